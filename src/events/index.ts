export { EventsModule } from './events.module';
export { DurableEventSink, SessionEvents } from './session-events.service';
export * from './session-event';
