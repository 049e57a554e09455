import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

@Entity('users')
@Unique('uq_users_username_key', ['usernameKey'])
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** As typed at sign-up, for display. */
  @Column({ type: 'varchar', length: 64 })
  username!: string;

  /** Lower-cased username: the unique, case-insensitive key every lookup uses. */
  @Column({ name: 'username_key', type: 'varchar', length: 64 })
  usernameKey!: string;

  /** argon2id PHC string; never leaves the service. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'password_changed_at' })
  passwordChangedAt!: Date;

  /** Space-joined role names (see roles.ts); '' for none. */
  @Column({ type: 'varchar', length: 2100, default: '' })
  roles!: string;

  /** Set while the user is disabled: no login, no refresh, no live client. */
  @TimestampColumn({ name: 'disabled_at', nullable: true })
  disabledAt!: Date | null;

  /** Trimmed and lower-cased; usable for recovery once verified (unique among verified ones). */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @TimestampColumn({ name: 'email_verified_at', nullable: true })
  emailVerifiedAt!: Date | null;

  /**
   * A new address asked for while `email` is verified: it replaces `email` only once its link is
   * followed, so a stolen session cannot move password resets to an address of its choosing.
   */
  @Column({ name: 'pending_email', type: 'varchar', length: 254, nullable: true })
  pendingEmail!: string | null;

  /**
   * The user holds a confirmed TOTP or a passkey, so a password alone is no login (API.md §11). A copy
   * kept by the factors module, read with the login's one SELECT: a user without factors costs no extra query.
   */
  @Column({ name: 'mfa_enabled', type: 'boolean', default: false })
  mfaEnabled!: boolean;
}
