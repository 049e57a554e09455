import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ClaimedRow, WebhookOutboxRepository } from './webhook-outbox.repository';
import { webhookHeaders } from './webhook-signature';
import { WEBHOOKS_OPTIONS, WebhooksModuleOptions } from './webhooks.options';

const BATCH = 20;
const BACKOFF_BASE_MS = 5_000;
const BACKOFF_CAP_MS = 60 * 60_000;
const PRUNE_EVERY_MS = 60_000;
/** A claim outlives the batch's requests (parallel, each within the timeout) by this margin. */
const LEASE_MARGIN_MS = 10_000;

/** The next wait after `attempts` failures: exponential, capped, less up to a quarter at random so receivers are not hit in step. */
export const backoffMs = (attempts: number) => Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempts) * (1 - Math.random() * 0.25);

/**
 * Delivers the outbox at least once: polls while rows are due (and at once after a new one), claims a
 * batch under a lease (the database decides which instance delivers a row), POSTs each signed, and
 * retries failures with backoff until AUTH_WEBHOOK_MAX_AGE. A process that dies mid-delivery leaves
 * a lease that expires, and another run delivers the row again: receivers dedupe by webhook-id.
 */
@Injectable()
export class WebhookDeliveryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<number> | null = null;
  private again = false;
  private stopped = false;
  private lastPrune = 0;

  constructor(
    @Inject(WEBHOOKS_OPTIONS) private readonly options: WebhooksModuleOptions,
    private readonly outbox: WebhookOutboxRepository,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.urls.length === 0) return;
    this.timer = setInterval(() => void this.run(), this.options.pollInterval * 1000);
    this.timer.unref();
    void this.run();
  }

  /** Stops polling and waits for the run in flight (each request is bounded by the timeout). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** A new row: deliver it now rather than at the next poll. */
  nudge(): void {
    if (this.running) this.again = true;
    else setImmediate(() => void this.run());
  }

  /** Delivers what is due; one run at a time in this process. Resolves to how many were delivered. */
  run(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= this.deliverDue().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        setImmediate(() => void this.run());
      }
    });
    return this.running;
  }

  private async deliverDue(): Promise<number> {
    let delivered = 0;
    try {
      for (;;) {
        this.again = false;
        const now = this.clock.now();
        const lease = now + this.options.timeout * 1000 + LEASE_MARGIN_MS;
        const rows = await this.outbox.claim(now, lease, BATCH);
        const results = await Promise.all(rows.map((row) => this.deliver(row)));
        delivered += results.filter(Boolean).length;
        if (rows.length < BATCH || this.stopped) break;
      }
      await this.pruneIfDue();
    } catch (error) {
      this.logger.warn(`webhook outbox run failed: ${(error as Error).message}`);
    }
    return delivered;
  }

  private async deliver(row: ClaimedRow): Promise<boolean> {
    const timestamp = Math.floor(this.clock.now() / 1000);
    let failure: string;
    try {
      const response = await fetch(row.url, {
        method: 'POST',
        headers: webhookHeaders(this.options.secret!, row.event_id, timestamp, row.payload),
        body: row.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeout * 1000),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        await this.outbox.delivered(row, this.clock.now());
        return true;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      failure = cause?.code ?? (error as Error).name ?? 'error';
    }
    await this.failed(row, failure.slice(0, 200));
    return false;
  }

  private async failed(row: ClaimedRow, lastError: string): Promise<void> {
    const now = this.clock.now();
    const giveUpAt = Number(row.created_at) + this.options.maxAge * 1000;
    // The receiver's origin only: a URL's path or query may hold a token of the receiver's.
    const context = { webhookId: row.event_id, receiver: new URL(row.url).origin, attempts: row.attempts + 1, lastError };
    if (now >= giveUpAt) {
      await this.outbox.failed(row, now, lastError);
      this.logger.error(context, 'webhook given up');
    } else {
      await this.outbox.retryAt(row, Math.min(giveUpAt, now + backoffMs(row.attempts)), lastError);
      this.logger.warn(context, 'webhook not delivered, will retry');
    }
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const pruned = await this.outbox.prune(now - this.options.retention * 1000);
    if (pruned > 0) this.logger.log({ pruned }, 'webhook outbox pruned');
  }
}
