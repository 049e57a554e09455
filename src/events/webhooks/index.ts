export { WebhooksModule } from './webhooks.module';
export { WebhookBacklog, WebhooksService } from './webhooks.service';
