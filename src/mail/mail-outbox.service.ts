import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { LessThanOrEqual, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { MailOutboxEntry } from './mail-outbox.entity';
import { MailMessage, MailService } from './mail.service';

/** Renders an entry just before it is sent; null drops it unsent (say, no account has the address). */
export type MailRenderer = (entry: MailOutboxEntry) => Promise<MailMessage | null>;

const POLL_INTERVAL_MS = 5_000;
const BATCH = 20;
/** A claimed entry is retried after this long if its sender died mid-send. */
const LEASE_MS = 5 * 60_000;
const MAX_ATTEMPTS = 12;
const backoffMs = (attempts: number) => Math.min(5_000 * 2 ** (attempts - 1), 30 * 60_000);

/**
 * Mail is written to the outbox by the request and sent here, off the request path: a slow or down
 * mail server neither fails nor slows a request, and retries with backoff keep the mail (up to
 * MAX_ATTEMPTS, about a day). Each entry is claimed by a conditional update, so several instances
 * never send one entry at once.
 */
@Injectable()
export class MailOutboxService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailOutboxService.name);
  private readonly renderers = new Map<string, MailRenderer>();
  private timer?: NodeJS.Timeout;
  private running: Promise<number> | null = null;

  constructor(
    @InjectRepository(MailOutboxEntry) private readonly entries: Repository<MailOutboxEntry>,
    private readonly mail: MailService,
    private readonly clock: Clock,
  ) {}

  /** A feature module says how its kind of mail is written (at send time). */
  register(kind: string, renderer: MailRenderer): void {
    this.renderers.set(kind, renderer);
  }

  async enqueue(kind: string, recipient: string, userId: string | null = null): Promise<void> {
    const now = new Date(this.clock.now());
    await this.entries.insert({ id: randomUUID(), kind, recipient, userId, attempts: 0, nextAttemptAt: now, createdAt: now });
    setImmediate(() => void this.deliverDue());
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.deliverDue(), POLL_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Sends what is due; one run at a time in this process. Returns how many were sent. */
  deliverDue(): Promise<number> {
    this.running ??= this.deliverBatch().finally(() => (this.running = null));
    return this.running;
  }

  private async deliverBatch(): Promise<number> {
    let sent = 0;
    try {
      const now = this.clock.now();
      const due = await this.entries.find({ where: { nextAttemptAt: LessThanOrEqual(new Date(now)) }, order: { nextAttemptAt: 'ASC' }, take: BATCH });
      for (const entry of due) if (await this.deliver(entry)) sent += 1;
    } catch (error) {
      this.logger.warn(`mail outbox run failed: ${(error as Error).message}`);
    }
    return sent;
  }

  private async deliver(entry: MailOutboxEntry): Promise<boolean> {
    const now = this.clock.now();
    const { affected } = await this.entries.update(
      { id: entry.id, attempts: entry.attempts, nextAttemptAt: entry.nextAttemptAt },
      { attempts: entry.attempts + 1, nextAttemptAt: new Date(now + LEASE_MS) },
    );
    if (!affected) return false; // another instance claimed it
    const attempts = entry.attempts + 1;
    try {
      const message = await this.renderers.get(entry.kind)?.(entry);
      if (message) await this.mail.send(entry.id, message);
      await this.entries.delete({ id: entry.id });
      // The address and the link never reach the log: the kind and the id are enough to trace.
      if (message) this.logger.log({ outboxId: entry.id, kind: entry.kind }, 'mail sent');
      return Boolean(message);
    } catch (error) {
      if (attempts >= MAX_ATTEMPTS) {
        await this.entries.delete({ id: entry.id });
        this.logger.error({ outboxId: entry.id, kind: entry.kind, attempts }, 'mail given up');
      } else {
        await this.entries.update({ id: entry.id }, { nextAttemptAt: new Date(this.clock.now() + backoffMs(attempts)) });
        this.logger.warn({ outboxId: entry.id, kind: entry.kind, attempts, code: (error as { code?: string }).code }, 'mail not sent, will retry');
      }
      return false;
    }
  }
}
