import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import { User } from '../users/user.entity';

/** One mailed sign-in: a link token and a 6-digit code, both stored as hashes, with the code's tries. */
@Entity('email_sign_ins')
@Index('uq_email_sign_ins_token', ['tokenHash'], { unique: true })
@Index('idx_email_sign_ins_email', ['email', 'createdAt'])
@Index('idx_email_sign_ins_user', ['userId'])
export class EmailSignIn {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_email_sign_ins_user' })
  user?: User;

  /** The verified address it was mailed to (normalised). */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  /** SHA-256 of the row id and the code: a dump does not give the code of another row for free. */
  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash!: string;

  /** Codes tried so far, right or wrong; a try is taken before the code is compared. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;

  @TimestampColumn({ name: 'used_at', nullable: true })
  usedAt!: Date | null;
}
