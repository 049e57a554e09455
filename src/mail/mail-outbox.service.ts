import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { LessThanOrEqual, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { OutboxRow, OutboxWorker } from '../common/outbox-worker';
import { MailOutboxEntry } from './mail-outbox.entity';
import { MailMessage, MailService } from './mail.service';

/** Renders an entry just before it is sent; null drops it unsent (say, no account has the address). */
export type MailRenderer = (entry: MailOutboxEntry) => Promise<MailMessage | null>;

type ClaimedMail = OutboxRow & { entry: MailOutboxEntry };

/** Mail has one lane: one mail server. */
const LANE = 'mail';

/**
 * Mail is written to the outbox by the request and sent here (the shared OutboxWorker), off the
 * request path: a slow or down mail server neither fails nor slows a request, and retries with backoff
 * keep the mail (12 attempts over about an hour and a half). An entry is deleted once sent or given up.
 */
@Injectable()
export class MailOutboxService extends OutboxWorker<ClaimedMail> {
  private readonly renderers = new Map<string, MailRenderer>();

  constructor(
    @InjectRepository(MailOutboxEntry) private readonly entries: Repository<MailOutboxEntry>,
    private readonly mail: MailService,
    clock: Clock,
    scheduler: SchedulerRegistry,
  ) {
    // The SMTP steps time out after 10 s each (MailService); an attempt as a whole gets a minute.
    super(
      { kind: 'mail', pollIntervalMs: 5_000, attemptTimeoutMs: 60_000, concurrency: 4, backoffCapMs: 30 * 60_000, maxAttempts: 12 },
      clock,
      scheduler,
    );
  }

  /** A feature module says how its kind of mail is written (at send time). */
  register(kind: string, renderer: MailRenderer): void {
    this.renderers.set(kind, renderer);
  }

  async enqueue(kind: string, recipient: string, userId: string | null = null): Promise<void> {
    const now = new Date(this.clock.now());
    await this.entries.insert({ id: randomUUID(), kind, recipient, userId, attempts: 0, nextAttemptAt: now, createdAt: now });
    setImmediate(() => void this.deliverDue());
  }

  /** Sends what is due; resolves to how many were sent. */
  deliverDue(): Promise<number> {
    return this.run();
  }

  protected dueLanes(): Promise<string[]> {
    return Promise.resolve([LANE]);
  }

  /**
   * The lease is `next_attempt_at` itself, and each claim is one conditional update: of several
   * instances one wins an entry. The attempt is counted at the claim, so a sender that dies mid-send
   * still spends it.
   */
  protected async claim(_lane: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedMail[]> {
    const due = await this.entries.find({ where: { nextAttemptAt: LessThanOrEqual(new Date(now)) }, order: { nextAttemptAt: 'ASC' }, take: limit });
    const claimed: ClaimedMail[] = [];
    for (const entry of due) {
      const { affected } = await this.entries.update(
        { id: entry.id, attempts: entry.attempts, nextAttemptAt: entry.nextAttemptAt },
        { attempts: entry.attempts + 1, nextAttemptAt: new Date(leaseUntil) },
      );
      if (affected) claimed.push({ entry, attempts: entry.attempts, createdAt: entry.createdAt.getTime() });
    }
    return claimed;
  }

  protected async attempt({ entry }: ClaimedMail): Promise<boolean> {
    const message = await this.renderers.get(entry.kind)?.(entry);
    if (message) await this.mail.send(entry.id, message);
    return Boolean(message);
  }

  protected async delivered({ entry }: ClaimedMail): Promise<void> {
    await this.entries.delete({ id: entry.id });
  }

  protected async retryAt({ entry }: ClaimedMail, next: number): Promise<void> {
    await this.entries.update({ id: entry.id }, { nextAttemptAt: new Date(next) });
  }

  protected async giveUp({ entry }: ClaimedMail): Promise<void> {
    await this.entries.delete({ id: entry.id });
  }

  /** The address and the link never reach the log: the kind and the id are enough to trace. */
  protected describe({ entry }: ClaimedMail): Record<string, unknown> {
    return { outboxId: entry.id, kind: entry.kind };
  }
}
