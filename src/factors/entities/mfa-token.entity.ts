import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../../database/timestamp.column';
import { User } from '../../users/user.entity';

/**
 * A login whose password checked out, waiting for its second factor (POST /auth/mfa). Only the
 * SHA-256 of the mfaToken is stored; completing the login deletes the row, so it works once.
 */
@Entity('mfa_tokens')
@Index('idx_mfa_tokens_expires', ['expiresAt'])
export class MfaToken {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_mfa_tokens_user' })
  user?: User;

  /** The login asked for a refresh token (`?permanent=true`, or the OAuth password grant). */
  @Column({ type: 'boolean' })
  permanent!: boolean;

  /** The OAuth scope the password grant asked for. */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  scope!: string | null;

  /** The upstream provider the sign-in came through (API.md §12), shown on the session it opens. */
  @Column({ name: 'identity_provider', type: 'varchar', length: 64, nullable: true })
  identityProvider!: string | null;

  /** The password the login checked: a change meanwhile makes the login fail (as a login racing a change does). */
  @TimestampColumn({ name: 'password_changed_at' })
  passwordChangedAt!: Date;

  /** Wrong codes so far; at MFA_TOKEN_MAX_FAILURES the token is dead. */
  @Column({ type: 'integer', default: 0 })
  failures!: number;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;
}
