import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SqlStatement } from '../database/sql-statement';
import { WebhookOutboxEntry } from './webhook-outbox.entity';

/** A claimed row, as the claim's RETURNING gives it (BIGINT is a string on PostgreSQL). */
export interface ClaimedRow {
  id: string;
  event_id: string;
  url: string;
  payload: string;
  attempts: number;
  created_at: string | number;
  claimed_until: string | number;
}

/*
 * The claim: the database decides who delivers. PostgreSQL's SKIP LOCKED lets instances claim
 * disjoint batches without waiting; on SQLite one statement on the one connection is atomic.
 */
const CLAIM = (skipLocked: string) => `
UPDATE webhook_outbox SET claimed_until = :leaseUntil
WHERE id IN (
  SELECT id FROM webhook_outbox
  WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= :now
    AND (claimed_until IS NULL OR claimed_until < :now)
  ORDER BY created_at LIMIT :limit${skipLocked})
  AND (claimed_until IS NULL OR claimed_until < :now)
RETURNING id, event_id, url, payload, attempts, created_at, claimed_until`;

@Injectable()
export class WebhookOutboxRepository {
  private readonly claimStatement: SqlStatement<'leaseUntil' | 'now' | 'limit'>;

  constructor(@InjectRepository(WebhookOutboxEntry) private readonly entries: Repository<WebhookOutboxEntry>) {
    const postgres = entries.manager.connection.options.type === 'postgres';
    this.claimStatement = new SqlStatement(entries.manager, CLAIM(postgres ? ' FOR UPDATE SKIP LOCKED' : ''), ['leaseUntil', 'now', 'limit']);
  }

  async insert(rows: Array<Pick<WebhookOutboxEntry, 'id' | 'eventId' | 'url' | 'type' | 'payload'>>, now: number): Promise<void> {
    const at = new Date(now);
    await this.entries.insert(rows.map((row) => ({ ...row, attempts: 0, createdAt: at, nextAttemptAt: at })));
  }

  claim(now: number, leaseUntil: number, limit: number): Promise<ClaimedRow[]> {
    return this.claimStatement.rows<ClaimedRow>({ now, leaseUntil, limit });
  }

  /** Each outcome applies only while our lease holds: a row re-claimed after it expired is the other's. */
  async delivered(row: ClaimedRow, now: number): Promise<void> {
    await this.entries.update(this.ours(row), { deliveredAt: new Date(now), claimedUntil: null, attempts: row.attempts + 1, lastError: null });
  }

  async retryAt(row: ClaimedRow, next: number, lastError: string): Promise<void> {
    await this.entries.update(this.ours(row), { nextAttemptAt: new Date(next), claimedUntil: null, attempts: row.attempts + 1, lastError });
  }

  async failed(row: ClaimedRow, now: number, lastError: string): Promise<void> {
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

  private ours(row: ClaimedRow) {
    return { id: row.id, claimedUntil: new Date(Number(row.claimed_until)) };
  }
}
