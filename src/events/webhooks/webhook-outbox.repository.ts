import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SqlStatement } from '../../database/sql-statement';
import { WebhookOutboxEntry } from './webhook-outbox.entity';

/** A claimed row, as the claim's RETURNING gives it (BIGINT is a string on PostgreSQL). */
interface ClaimedRow {
  id: string;
  event_id: string;
  url: string;
  type: string;
  payload: string;
  attempts: number;
  created_at: string | number;
  claimed_until: string | number;
}

/** A row this instance holds until `claimedUntil`. */
export interface WebhookClaim {
  id: string;
  eventId: string;
  url: string;
  /** A session event type, or BACKCHANNEL_LOGOUT (an OpenID Connect logout token for an application). */
  type: string;
  payload: string;
  attempts: number;
  createdAt: number;
  claimedUntil: number;
}

/*
 * The claim, one receiver's rows at a time: the database decides who delivers. PostgreSQL's SKIP LOCKED
 * lets instances claim disjoint batches without waiting; on SQLite one statement on the one connection is atomic.
 */
const CLAIM = (skipLocked: string) => `
UPDATE webhook_outbox SET claimed_until = :leaseUntil
WHERE id IN (
  SELECT id FROM webhook_outbox
  WHERE url = :url AND delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= :now
    AND (claimed_until IS NULL OR claimed_until < :now)
  ORDER BY created_at LIMIT :limit${skipLocked})
  AND (claimed_until IS NULL OR claimed_until < :now)
RETURNING id, event_id, url, type, payload, attempts, created_at, claimed_until`;

@Injectable()
export class WebhookOutboxRepository {
  private readonly claimStatement: SqlStatement<'url' | 'leaseUntil' | 'now' | 'limit'>;

  constructor(@InjectRepository(WebhookOutboxEntry) private readonly entries: Repository<WebhookOutboxEntry>) {
    const postgres = entries.manager.connection.options.type === 'postgres';
    this.claimStatement = new SqlStatement(entries.manager, CLAIM(postgres ? ' FOR UPDATE SKIP LOCKED' : ''), ['url', 'leaseUntil', 'now', 'limit']);
  }

  async insert(rows: Array<Pick<WebhookOutboxEntry, 'id' | 'eventId' | 'url' | 'type' | 'payload'>>, now: number): Promise<void> {
    const at = new Date(now);
    await this.entries.insert(rows.map((row) => ({ ...row, attempts: 0, createdAt: at, nextAttemptAt: at })));
  }

  /** The receivers with rows due and unclaimed at `now`. */
  async dueUrls(now: number): Promise<string[]> {
    const rows = await this.entries
      .createQueryBuilder('entry')
      .select('DISTINCT entry.url', 'url')
      .where('entry.delivered_at IS NULL AND entry.failed_at IS NULL AND entry.next_attempt_at <= :now', { now })
      .andWhere('(entry.claimed_until IS NULL OR entry.claimed_until < :now)', { now })
      .getRawMany<{ url: string }>();
    return rows.map((row) => row.url);
  }

  async claim(url: string, now: number, leaseUntil: number, limit: number): Promise<WebhookClaim[]> {
    const rows = await this.claimStatement.rows<ClaimedRow>({ url, now, leaseUntil, limit });
    return rows.map((row) => ({
      id: row.id,
      eventId: row.event_id,
      url: row.url,
      type: row.type,
      payload: row.payload,
      attempts: row.attempts,
      createdAt: Number(row.created_at),
      claimedUntil: Number(row.claimed_until),
    }));
  }

  /** Each outcome applies only while our lease holds: a row re-claimed after it expired is the other's. */
  async delivered(row: WebhookClaim, now: number): Promise<void> {
    await this.entries.update(this.ours(row), { deliveredAt: new Date(now), claimedUntil: null, attempts: row.attempts + 1, lastError: null });
  }

  async retryAt(row: WebhookClaim, next: number, lastError: string): Promise<void> {
    await this.entries.update(this.ours(row), { nextAttemptAt: new Date(next), claimedUntil: null, attempts: row.attempts + 1, lastError });
  }

  async failed(row: WebhookClaim, now: number, lastError: string): Promise<void> {
    await this.entries.update(this.ours(row), { failedAt: new Date(now), claimedUntil: null, attempts: row.attempts + 1, lastError });
  }

  /** Deletes delivered and failed rows finished before `before`; how many. */
  async prune(before: number): Promise<number> {
    const result = await this.entries
      .createQueryBuilder()
      .delete()
      .where('(delivered_at IS NOT NULL AND delivered_at < :before) OR (failed_at IS NOT NULL AND failed_at < :before)', { before })
      .execute();
    return result.affected ?? 0;
  }

  /** Rows still to deliver, and the creation time of the oldest. */
  async backlog(): Promise<{ count: number; oldest: number | null }> {
    const row = await this.entries
      .createQueryBuilder('entry')
      .select('COUNT(*)', 'count')
      .addSelect('MIN(entry.created_at)', 'oldest')
      .where('entry.delivered_at IS NULL AND entry.failed_at IS NULL')
      .getRawOne<{ count: string | number; oldest: string | number | null }>();
    return { count: Number(row?.count ?? 0), oldest: row?.oldest == null ? null : Number(row.oldest) };
  }

  private ours(row: WebhookClaim) {
    return { id: row.id, claimedUntil: new Date(row.claimedUntil) };
  }
}
