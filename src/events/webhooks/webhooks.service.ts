import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../../common/clock';
import { SESSION_EVENT_TYPES, SessionEvent, SessionEventType } from '../session-event';
import { SessionEventsService } from '../session-events.service';
import { BACKCHANNEL_LOGOUT, WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookOutboxRepository } from './webhook-outbox.repository';
import { WEBHOOKS_OPTIONS, WebhooksModuleOptions } from './webhooks.options';

export interface WebhookBacklog {
  backlog: number;
  /** How long the oldest undelivered event has waited. */
  oldestDueSeconds: number;
}

/**
 * The webhook outbox's writer: a durable sink of SessionEventsService, so every wanted event has its rows
 * (one per URL) before the request that caused it answers. Without URLs it subscribes to nothing.
 */
@Injectable()
export class WebhooksService implements OnModuleInit {
  /** AUTH_WEBHOOK_EVENTS, checked against the known types by loadEnv before anything connects. */
  private readonly types: ReadonlySet<SessionEventType>;

  constructor(
    @Inject(WEBHOOKS_OPTIONS) private readonly options: WebhooksModuleOptions,
    private readonly events: SessionEventsService,
    private readonly outbox: WebhookOutboxRepository,
    private readonly delivery: WebhookDeliveryService,
    private readonly clock: Clock,
  ) {
    this.types = new Set(options.events ?? SESSION_EVENT_TYPES);
  }

  get configured(): boolean {
    return this.options.urls.length > 0;
  }

  onModuleInit(): void {
    if (!this.configured) return;
    this.events.addDurableSink({ wants: (type: SessionEventType) => this.types.has(type), store: (event) => this.store(event) });
  }

  private async store(event: SessionEvent): Promise<void> {
    const payload = JSON.stringify(event);
    const rows = this.options.urls.map((url) => ({ id: randomUUID(), eventId: event.id, url, type: event.type, payload }));
    await this.outbox.insert(rows, this.clock.now());
    this.delivery.nudge();
  }

  /** Queues an application's logout token (API.md §13) in the same outbox, delivered by the same worker. */
  async enqueueLogoutToken(url: string, logoutToken: string): Promise<void> {
    await this.outbox.insert([{ id: randomUUID(), eventId: randomUUID(), url, type: BACKCHANNEL_LOGOUT, payload: logoutToken }], this.clock.now());
    this.delivery.pollForLogoutTokens();
    this.delivery.nudge();
  }

  /** Applications with a back-channel logout URI exist: retries left by an earlier process are delivered too. */
  pollForLogoutTokens(): void {
    this.delivery.pollForLogoutTokens();
  }

  async backlog(): Promise<WebhookBacklog> {
    const { count, oldest } = await this.outbox.backlog();
    return { backlog: count, oldestDueSeconds: oldest === null ? 0 : Math.max(0, Math.floor((this.clock.now() - oldest) / 1000)) };
  }
}
