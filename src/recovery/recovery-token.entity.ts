import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import { User } from '../users/user.entity';

export type RecoveryPurpose = 'verify_email' | 'reset_password';

/** A mailed single-use link: only the SHA-256 of its token is stored. */
@Entity('recovery_tokens')
@Index('uq_recovery_tokens_hash', ['tokenHash'], { unique: true })
@Index('idx_recovery_tokens_user', ['userId', 'purpose'])
@Index('idx_recovery_tokens_expires', ['expiresAt'])
export class RecoveryToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_recovery_tokens_user' })
  user?: User;

  @Column({ type: 'varchar', length: 16 })
  purpose!: RecoveryPurpose;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  /** The address a verify_email link proves. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;

  @TimestampColumn({ name: 'used_at', nullable: true })
  usedAt!: Date | null;
}
