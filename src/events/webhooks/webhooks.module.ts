import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events.module';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookOutboxEntry } from './webhook-outbox.entity';
import { WebhookOutboxRepository } from './webhook-outbox.repository';
import { WebhooksConfigurableModule } from './webhooks.options';
import { WebhooksService } from './webhooks.service';

/** Session events to other services: the outbox, written as events are emitted, and its delivery worker. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookOutboxEntry]), EventsModule],
  providers: [WebhooksService, WebhookDeliveryService, WebhookOutboxRepository],
  exports: [WebhooksService],
})
export class WebhooksModule extends WebhooksConfigurableModule {}
