export { EventsModule } from './events.module';
export { DurableEventSink, SessionEvents } from './session-events.service';
export * from './session-event';
export { SessionNotifier, APP_EVENT_TYPE } from './session-notifier.service';
export { WebhooksModule, WebhooksService, type WebhookBacklog } from './webhooks';
