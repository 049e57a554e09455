import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from './clock';

/** How one outbox is worked: its schedule, the bound of an attempt, and when it gives up. */
export interface OutboxSchedule {
  /** Names the interval in the SchedulerRegistry and the log lines: 'mail', 'webhook'. */
  kind: string;
  pollIntervalMs: number;
  /** An attempt still running after this long fails (TimeoutError) and its row is retried. */
  attemptTimeoutMs: number;
  /** Attempts in flight at once in one lane. */
  concurrency: number;
  backoffCapMs: number;
  /** Given up after this many attempts or once this old, whichever comes first. */
  maxAttempts?: number;
  maxAgeMs?: number;
  /** Finished rows are deleted once this old (for stores that keep them). */
  retentionMs?: number;
}

/** A claimed row: how often it failed before this attempt, and since when it waits. */
export interface OutboxRow {
  attempts: number;
  createdAt: number;
}

/** A failed attempt whose message is safe to store and log as it is (`HTTP 503`). */
export class OutboxAttemptError extends Error {}

const BACKOFF_BASE_MS = 5_000;
/** A claim outlives its lane's attempts (parallel, each within the timeout) by this margin. */
const LEASE_MARGIN_MS = 10_000;
const PRUNE_EVERY_MS = 60_000;

/** The wait after the `failures`-th failure: exponential, capped, less up to a quarter at random so receivers are not hit in step. */
export const backoffMs = (failures: number, capMs: number) => Math.min(capMs, BACKOFF_BASE_MS * 2 ** (failures - 1)) * (1 - Math.random() * 0.25);

/**
 * The outbox worker mail and webhooks share: delivers at least once, off the request path. Each run
 * finds the lanes with due rows (a lane is a receiver; mail has one) and works each on its own:
 * it claims up to `concurrency` rows under a lease (the database decides which instance sends a row),
 * attempts them, each bounded by the timeout, and retries failures with backoff until the outbox gives
 * up. One lane's backlog or timeouts never hold another's. A process that dies mid-attempt leaves a
 * lease that expires, and another run sends the row again: receivers dedupe by the row's id.
 */
export abstract class OutboxWorker<Row extends OutboxRow> implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  /** The lanes being worked in this process; a run joins a lane already in flight. */
  private readonly lanes = new Map<string, Promise<number>>();
  /** Lanes asked for while in flight: they claim once more before they end. */
  private readonly again = new Set<string>();
  /** Cuts the attempts in flight when the application stops; their leases expire and another run retries them. */
  private readonly shutdown = new AbortController();
  private lastPrune = Number.NEGATIVE_INFINITY;
  private pruning: Promise<void> | null = null;

  protected constructor(
    private readonly schedule: OutboxSchedule,
    protected readonly clock: Clock,
    private readonly scheduler: SchedulerRegistry,
  ) {
    this.logger = new Logger(`${schedule.kind}-outbox`);
  }

  /** Whether there is anything to deliver to (webhooks without URLs: no). */
  protected get active(): boolean {
    return true;
  }

  /** The lanes with rows due at `now`. */
  protected abstract dueLanes(now: number): Promise<string[]>;
  /** Claims up to `limit` due rows of `lane` until `leaseUntil`. */
  protected abstract claim(lane: string, now: number, leaseUntil: number, limit: number): Promise<Row[]>;
  /** One attempt; true when sent, false when there was nothing to send; throws when it failed. */
  protected abstract attempt(row: Row, signal: AbortSignal): Promise<boolean>;
  protected abstract delivered(row: Row, now: number): Promise<void>;
  protected abstract retryAt(row: Row, next: number, lastError: string): Promise<void>;
  protected abstract giveUp(row: Row, now: number, lastError: string): Promise<void>;
  /** What the log may say of a row: ids and kinds, never an address, a link or a secret. */
  protected abstract describe(row: Row): Record<string, unknown>;

  /** Deletes rows finished before `before`; how many. Stores that delete as they go keep nothing to prune. */
  protected prune(_before: number): Promise<number> {
    return Promise.resolve(0);
  }

  onApplicationBootstrap(): void {
    if (!this.active) return;
    const timer = setInterval(() => void this.run(), this.schedule.pollIntervalMs);
    timer.unref();
    this.scheduler.addInterval(`${this.schedule.kind}-outbox`, timer);
    void this.run(); // what an earlier process left
  }

  /** Stops claiming, cuts the attempts in flight and waits for the lanes to end. */
  async onModuleDestroy(): Promise<void> {
    this.shutdown.abort();
    if (this.scheduler.doesExist('interval', `${this.schedule.kind}-outbox`)) this.scheduler.deleteInterval(`${this.schedule.kind}-outbox`);
    await Promise.all(this.lanes.values());
  }

  /** A new row: deliver it now rather than at the next poll. */
  nudge(): void {
    setImmediate(() => void this.run());
  }

  /** Delivers what is due, every lane on its own; resolves to how many were sent. */
  async run(): Promise<number> {
    if (this.shutdown.signal.aborted) return 0;
    try {
      // With the lanes in flight here: their rows are claimed, and the caller waits for them too.
      const lanes = new Set([...this.lanes.keys(), ...(await this.dueLanes(this.clock.now()))]);
      // Pruning beside the lanes: a lane held by a receiver that never answers does not hold it back.
      const [, ...sent] = await Promise.all([this.pruneIfDue(), ...[...lanes].map((lane) => this.work(lane))]);
      return sent.reduce((sum, count) => sum + count, 0);
    } catch (error) {
      this.logger.warn(`${this.schedule.kind} outbox run failed: ${(error as Error).message}`);
      return 0;
    }
  }

  private work(lane: string): Promise<number> {
    const running = this.lanes.get(lane);
    if (running) {
      this.again.add(lane);
      return running;
    }
    const work = this.drain(lane).finally(() => this.lanes.delete(lane));
    this.lanes.set(lane, work);
    return work;
  }

  private async drain(lane: string): Promise<number> {
    const { concurrency, attemptTimeoutMs } = this.schedule;
    let sent = 0;
    try {
      for (;;) {
        this.again.delete(lane);
        const now = this.clock.now();
        const rows = await this.claim(lane, now, now + attemptTimeoutMs + LEASE_MARGIN_MS, concurrency);
        const results = await Promise.all(rows.map((row) => this.attemptOne(row)));
        sent += results.filter(Boolean).length;
        if (this.shutdown.signal.aborted || (rows.length < concurrency && !this.again.has(lane))) return sent;
      }
    } catch (error) {
      this.logger.warn(`${this.schedule.kind} outbox lane failed: ${(error as Error).message}`);
      return sent;
    }
  }

  private async attemptOne(row: Row): Promise<boolean> {
    let sent: boolean;
    try {
      sent = await this.bounded(row);
    } catch (error) {
      if (this.shutdown.signal.aborted) return false; // the lease expires and another run retries it
      await this.failed(row, failureOf(error));
      return false;
    }
    await this.delivered(row, this.clock.now());
    if (sent) this.logger.log(this.describe(row), `${this.schedule.kind} sent`);
    return sent;
  }

  /**
   * The attempt, cut at the timeout or the shutdown. Its signal is let go once it ends: aborting a
   * fetch that has already answered makes undici reject a stream nobody listens to.
   */
  private async bounded(row: Row): Promise<boolean> {
    const controller = new AbortController();
    const { signal } = controller;
    const timer = setTimeout(() => controller.abort(new DOMException('the attempt timed out', 'TimeoutError')), this.schedule.attemptTimeoutMs);
    const stop = () => controller.abort(this.shutdown.signal.reason);
    this.shutdown.signal.addEventListener('abort', stop, { once: true });
    try {
      // Raced with the signal, so a step that ignores it (an SMTP dialogue) is bounded too.
      return await new Promise<boolean>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        this.attempt(row, signal).then(resolve, reject);
      });
    } finally {
      clearTimeout(timer);
      this.shutdown.signal.removeEventListener('abort', stop);
    }
  }

  private async failed(row: Row, lastError: string): Promise<void> {
    const { maxAgeMs, maxAttempts, backoffCapMs, kind } = this.schedule;
    const now = this.clock.now();
    const attempts = row.attempts + 1;
    const giveUpAt = maxAgeMs === undefined ? Number.POSITIVE_INFINITY : row.createdAt + maxAgeMs;
    const context = { ...this.describe(row), attempts, lastError };
    if (now >= giveUpAt || (maxAttempts !== undefined && attempts >= maxAttempts)) {
      await this.giveUp(row, now, lastError);
      this.logger.error(context, `${kind} given up`);
    } else {
      await this.retryAt(row, Math.min(giveUpAt, now + backoffMs(attempts, backoffCapMs)), lastError);
      this.logger.warn(context, `${kind} not delivered, will retry`);
    }
  }

  /** At most once a minute; a run that finds a prune in flight waits for it, as it waits for the lanes. */
  private async pruneIfDue(): Promise<void> {
    const now = this.clock.now();
    const { retentionMs } = this.schedule;
    if (retentionMs !== undefined && now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      this.pruning = this.prune(now - retentionMs)
        .then((pruned) => void (pruned > 0 && this.logger.log({ pruned }, `${this.schedule.kind} outbox pruned`)))
        .finally(() => (this.pruning = null));
    }
    await this.pruning;
  }
}

/** The error's code or kind (ECONNREFUSED, TimeoutError, HTTP 503): never a body, an address or a secret. */
function failureOf(error: unknown): string {
  if (error instanceof OutboxAttemptError) return error.message.slice(0, 200);
  const { cause, code, name } = error as { cause?: { code?: unknown }; code?: unknown; name?: string };
  const text = typeof cause?.code === 'string' ? cause.code : typeof code === 'string' ? code : (name ?? 'error');
  return text.slice(0, 200);
}
