import { Inject, Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../../common/clock';
import { OutboxAttemptError, OutboxWorker } from '../../common/outbox-worker';
import { WebhookClaim, WebhookOutboxRepository } from './webhook-outbox.repository';
import { webhookHeaders } from './webhook-signature';
import { WEBHOOKS_OPTIONS, WebhooksModuleOptions } from './webhooks.options';

/** Attempts in flight at once per receiver. */
const CONCURRENCY_PER_RECEIVER = 10;
const BACKOFF_CAP_MS = 60 * 60_000;

/**
 * Delivers the webhook outbox (the shared OutboxWorker): each receiver URL is a lane of its own, so a
 * receiver that is slow, down or never answers delays only its own events. Every attempt is a signed
 * POST bounded by AUTH_WEBHOOK_TIMEOUT; failures are retried with backoff until AUTH_WEBHOOK_MAX_AGE.
 */
@Injectable()
export class WebhookDeliveryService extends OutboxWorker<WebhookClaim> {
  constructor(
    @Inject(WEBHOOKS_OPTIONS) private readonly options: WebhooksModuleOptions,
    private readonly outbox: WebhookOutboxRepository,
    clock: Clock,
    scheduler: SchedulerRegistry,
  ) {
    super(
      {
        kind: 'webhook',
        pollIntervalMs: options.pollInterval * 1000,
        attemptTimeoutMs: options.timeout * 1000,
        concurrency: CONCURRENCY_PER_RECEIVER,
        backoffCapMs: BACKOFF_CAP_MS,
        maxAgeMs: options.maxAge * 1000,
        retentionMs: options.retention * 1000,
      },
      clock,
      scheduler,
    );
  }

  protected override get active(): boolean {
    return this.options.urls.length > 0;
  }

  protected dueLanes(now: number): Promise<string[]> {
    return this.outbox.dueUrls(now);
  }

  protected claim(url: string, now: number, leaseUntil: number, limit: number): Promise<WebhookClaim[]> {
    return this.outbox.claim(url, now, leaseUntil, limit);
  }

  protected async attempt(row: WebhookClaim, signal: AbortSignal): Promise<boolean> {
    const response = await fetch(row.url, {
      method: 'POST',
      headers: webhookHeaders(this.options.secret!, row.eventId, Math.floor(this.clock.now() / 1000), row.payload),
      body: row.payload,
      redirect: 'manual',
      signal,
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status >= 300) throw new OutboxAttemptError(`HTTP ${response.status}`);
    return true;
  }

  protected delivered(row: WebhookClaim, now: number): Promise<void> {
    return this.outbox.delivered(row, now);
  }

  protected retryAt(row: WebhookClaim, next: number, lastError: string): Promise<void> {
    return this.outbox.retryAt(row, next, lastError);
  }

  protected giveUp(row: WebhookClaim, now: number, lastError: string): Promise<void> {
    return this.outbox.failed(row, now, lastError);
  }

  protected override prune(before: number): Promise<number> {
    return this.outbox.prune(before);
  }

  /** The receiver's origin only: a URL's path or query may hold a token of the receiver's. */
  protected describe(row: WebhookClaim): Record<string, unknown> {
    return { webhookId: row.eventId, receiver: new URL(row.url).origin };
  }
}
