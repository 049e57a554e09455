import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import { User } from '../users/user.entity';

/** A user's account at an upstream provider: one user per (provider, subject), never found by email. */
@Entity('user_identities')
@Index('uq_user_identities_subject', ['provider', 'subject'], { unique: true })
@Index('idx_user_identities_user', ['userId'])
export class UserIdentity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_user_identities_user' })
  user?: User;

  /** The configured name (AUTH_OIDC_<NAME>_..., lower-cased). */
  @Column({ type: 'varchar', length: 64 })
  provider!: string;

  /** The provider's stable id of the user (`sub`, or GitHub's numeric id). */
  @Column({ type: 'varchar', length: 255 })
  subject!: string;

  /** The address the provider gave, for display only: it never finds or joins an account. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;
}
