import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/**
 * A mail still to send. It holds no link: the link's token is made when the mail is rendered for a
 * send, so the table never holds a usable secret and a retry mails a fresh link.
 */
@Entity('mail_outbox')
@Index('idx_mail_outbox_next_attempt', ['nextAttemptAt'])
export class MailOutboxEntry {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  @Column({ type: 'varchar', length: 254 })
  recipient!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @TimestampColumn({ name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;
}
