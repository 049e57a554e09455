import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/** One admin action: who (an admin's user and client, or the CLI), what, to whom, when. Never a secret. */
@Entity('audit_events')
@Index('idx_audit_events_at', ['at', 'id'])
export class AuditEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @TimestampColumn()
  at!: Date;

  /** `admin` or `cli`. */
  @Column({ type: 'varchar', length: 16 })
  actor!: 'admin' | 'cli';

  @Column({ name: 'actor_user_id', type: 'varchar', length: 36, nullable: true })
  actorUserId!: string | null;

  @Column({ name: 'actor_client_id', type: 'varchar', length: 36, nullable: true })
  actorClientId!: string | null;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  /** Kept after the user is deleted: the trail outlives its subjects. */
  @Column({ name: 'target_user_id', type: 'varchar', length: 36, nullable: true })
  targetUserId!: string | null;

  /** JSON object of what changed (roles before and after, a client id...), whole: text of any length. */
  @Column({ type: 'text', default: '{}' })
  details!: string;
}
