import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../../database/timestamp.column';

/** One session event to deliver to one receiver URL; `eventId` is the `webhook-id` it is sent with. */
@Entity('webhook_outbox')
@Index('idx_webhook_outbox_due', ['deliveredAt', 'nextAttemptAt'])
@Index('idx_webhook_outbox_created', ['createdAt'])
export class WebhookOutboxEntry {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'event_id', type: 'varchar', length: 36 })
  eventId!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'varchar', length: 32 })
  type!: string;

  /** The event's JSON, exactly the body that is signed and sent. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  /** The lease of the instance delivering it; expired, anyone may claim it again. */
  @TimestampColumn({ name: 'claimed_until', nullable: true })
  claimedUntil!: Date | null;

  @TimestampColumn({ name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  /** Set when MAX_AGE passed undelivered: retried no more. */
  @TimestampColumn({ name: 'failed_at', nullable: true })
  failedAt!: Date | null;

  /** The status code or error code of the last attempt; never a body or a secret. */
  @Column({ name: 'last_error', type: 'varchar', length: 200, nullable: true })
  lastError!: string | null;
}
