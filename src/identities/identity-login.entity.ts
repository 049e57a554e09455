import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/**
 * A sign-in (or a link) under way at an upstream provider, kept server-side: the callback finds it by
 * the hash of `state`, checks the browser that started it, and spends it once. A header-mode app's
 * one-time code (`#code=`) is stored here too, as a hash, until POST /auth/exchange spends it.
 */
@Entity('identity_logins')
@Index('uq_identity_logins_state', ['stateHash'], { unique: true })
@Index('uq_identity_logins_exchange', ['exchangeHash'], { unique: true })
@Index('idx_identity_logins_expires', ['expiresAt'])
export class IdentityLogin {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'state_hash', type: 'varchar', length: 64 })
  stateHash!: string;

  /** SHA-256 of the random value in the browser's login cookie: a callback URL sent to someone else's browser is refused. */
  @Column({ name: 'browser_hash', type: 'varchar', length: 64 })
  browserHash!: string;

  @Column({ type: 'varchar', length: 64 })
  provider!: string;

  @Column({ type: 'varchar', length: 64 })
  nonce!: string;

  /** The PKCE verifier; useless without the code, which only the provider and the browser see, and gone in 10 minutes. */
  @Column({ name: 'code_verifier', type: 'varchar', length: 128 })
  codeVerifier!: string;

  @Column({ type: 'boolean' })
  permanent!: boolean;

  /** Checked at the start: our own origin or one of CORS_ORIGINS. */
  @Column({ name: 'return_to', type: 'varchar', length: 2048 })
  returnTo!: string;

  /** Started with `transport=header`: the callback hands back a one-time code, not cookies. */
  @Column({ name: 'header_mode', type: 'boolean' })
  headerMode!: boolean;

  /** Set for POST /me/identities/:name: the identity joins this signed-in user instead of signing anyone in. */
  @Column({ name: 'link_user_id', type: 'varchar', length: 36, nullable: true })
  linkUserId!: string | null;

  /** The user the callback signed in, for the exchange. */
  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  @Column({ name: 'exchange_hash', type: 'varchar', length: 64, nullable: true })
  exchangeHash!: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;

  /** When the callback spent it (the exchange code's 60 s run from here). */
  @TimestampColumn({ name: 'used_at', nullable: true })
  usedAt!: Date | null;

  @TimestampColumn({ name: 'exchanged_at', nullable: true })
  exchangedAt!: Date | null;
}
