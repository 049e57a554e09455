export { EventsModule } from './events.module';
export { SessionEvents } from './session-events.service';
export * from './session-event';
