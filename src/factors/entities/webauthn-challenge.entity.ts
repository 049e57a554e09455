import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../../database/timestamp.column';
import { User } from '../../users/user.entity';

/** What a WebAuthn challenge was issued for. */
export type ChallengePurpose = 'registration' | 'mfa' | 'login';

/** A WebAuthn challenge we issued: single use (verifying deletes the row) and short-lived. */
@Entity('webauthn_challenges')
@Index('idx_webauthn_challenges_expires', ['expiresAt'])
export class WebauthnChallenge {
  /** base64url, as it comes back in clientDataJSON. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  challenge!: string;

  @Column({ type: 'varchar', length: 16 })
  purpose!: ChallengePurpose;

  /** Whose registration or second step it is; null for a passwordless login (anyone's passkey). */
  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_webauthn_challenges_user' })
  user?: User;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;
}
