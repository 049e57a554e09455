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
/** The outbox row type of an OpenID Connect Back-Channel Logout token (API.md §13): posted as a form, not a webhook. */
export const BACKCHANNEL_LOGOUT = 'backchannel_logout';

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

  /** Set once an application's logout token was queued: the outbox is polled for its retries too. */
  private logoutTokensQueued = false;

  protected override get active(): boolean {
    return this.options.urls.length > 0 || this.logoutTokensQueued;
  }

  /** Polls the outbox from now on, as it does with webhook URLs configured (idempotent). */
  pollForLogoutTokens(): void {
    if (this.logoutTokensQueued) return;
    this.logoutTokensQueued = true;
    if (this.options.urls.length === 0) this.onApplicationBootstrap();
  }

  protected dueLanes(now: number): Promise<string[]> {
    return this.outbox.dueUrls(now);
  }

  protected claim(url: string, now: number, leaseUntil: number, limit: number): Promise<WebhookClaim[]> {
    return this.outbox.claim(url, now, leaseUntil, limit);
  }

  protected async attempt(row: WebhookClaim, signal: AbortSignal): Promise<boolean> {
    const response = await fetch(
      row.url,
      row.type === BACKCHANNEL_LOGOUT
        ? this.logoutRequest(row, signal)
        : {
            method: 'POST',
            headers: webhookHeaders(this.options.secret!, row.eventId, Math.floor(this.clock.now() / 1000), row.payload),
            body: row.payload,
            redirect: 'manual',
            signal,
          },
    );
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status >= 300) throw new OutboxAttemptError(`HTTP ${response.status}`);
    return true;
  }

  /** Back-Channel Logout 1.0 §2.5: `logout_token` in a form body; the token's own signature is its proof. */
  private logoutRequest(row: WebhookClaim, signal: AbortSignal): RequestInit {
    return {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: row.payload }).toString(),
      redirect: 'manual',
      signal,
    };
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
