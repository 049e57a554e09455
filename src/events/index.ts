export { EventsModule } from './events.module';
export { DurableEventSink, SessionEventsService } from './session-events.service';
export * from './session-event';
export { SessionNotifierService, APP_EVENT_TYPE } from './session-notifier.service';
export { WebhooksModule, WebhooksService, type WebhookBacklog } from './webhooks';
