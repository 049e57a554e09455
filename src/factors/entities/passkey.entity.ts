import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../../database/timestamp.column';
import { User } from '../../users/user.entity';

/** A WebAuthn credential (a discoverable one, with user verification) registered by a user. */
@Entity('passkeys')
@Index('uq_passkeys_credential', ['credentialId'], { unique: true })
@Index('idx_passkeys_user', ['userId'])
export class Passkey {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_passkeys_user' })
  user?: User;

  /** The credential id, base64url. */
  @Column({ name: 'credential_id', type: 'varchar', length: 1400 })
  credentialId!: string;

  /** The COSE public key, base64url: public, so stored as it is. */
  @Column({ name: 'public_key', type: 'text' })
  publicKey!: string;

  /** The authenticator's signature counter (0 for authenticators that keep none). */
  @Column({ type: 'bigint', default: 0 })
  counter!: string | number;

  /** Comma-separated AuthenticatorTransport values, for the allowCredentials hints. */
  @Column({ type: 'varchar', length: 255, default: '' })
  transports!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;
}
