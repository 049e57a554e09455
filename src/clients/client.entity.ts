import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import { User } from '../users/user.entity';

/** How many rotated-away refresh tokens per client are recognised as reuse. */
export const RECENT_SPENT_HASHES = 10;

/** Why a client ended before its deadlines; idle and absolute expiry are read from the deadlines. */
export type ClientEndReason =
  | 'logout'
  | 'revoked'
  | 'rejected'
  | 'reused'
  | 'password_changed'
  | 'password_reset'
  | 'limit'
  | 'disabled'
  /** The passkey that signed the client in was removed, with endSessions (API.md §11). */
  | 'factor_removed';
/** Which deadline passed, recorded (with ended_at left NULL) once its session.ended was emitted. */
export type ClientExpiry = 'idle' | 'absolute' | 'expired';

/** One logged-in device of a user: one session, holding at most one live refresh token. */
@Entity('clients')
@Index('idx_clients_user_created', ['userId', 'createdAt'])
@Index('idx_clients_expires', ['expiresAt'])
export class Client {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_clients_user' })
  user?: User;

  /** Logged in with `permanent=true`: holds a refresh token and outlives its first access token. */
  @Column({ type: 'boolean' })
  permanent!: boolean;

  /** SHA-256 (hex) of the live refresh secret; null for a non-permanent client. */
  @Column({ name: 'refresh_token_hash', type: 'varchar', length: 64, nullable: true })
  refreshTokenHash!: string | null;

  /** SHA-256 of the secret that the last rotation replaced: the only one the grace window forgives. */
  @Column({ name: 'previous_refresh_token_hash', type: 'varchar', length: 64, nullable: true })
  previousRefreshTokenHash!: string | null;

  /**
   * SHA-256 (hex) of the last RECENT_SPENT_HASHES rotated-away secrets, newest first, concatenated:
   * presenting one of them again is reuse. Bounded, so a client row never grows with its refreshes.
   */
  @Column({ name: 'recent_spent_hashes', type: 'varchar', length: 640, default: '' })
  recentSpentHashes!: string;

  /** The live secret, sealed with a key derived from the previous secret (see refresh-token.ts). */
  @Column({ name: 'sealed_successor', type: 'varchar', length: 255, nullable: true })
  sealedSuccessor!: string | null;

  @TimestampColumn({ name: 'rotated_at', nullable: true })
  rotatedAt!: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  /**
   * When the user last proved who they are on this client (the login, or POST /auth/reauthenticate):
   * every access token carries it as auth_time, and a refresh keeps it.
   */
  @TimestampColumn({ name: 'authenticated_at' })
  authenticatedAt!: Date;

  /**
   * How the user proved who they are on this client (RFC 8176 values, space-separated): the login's
   * methods, joined by those of each POST /auth/reauthenticate. Its access tokens carry it as amr.
   */
  @Column({ type: 'varchar', length: 64, default: 'pwd' })
  amr!: string;

  @TimestampColumn({ name: 'last_used_at' })
  lastUsedAt!: Date;

  /** When the client ends unless used again: the idle deadline capped by the session deadline. */
  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;

  /** The absolute deadline, fixed at login; rotation never extends it. */
  @TimestampColumn({ name: 'session_expires_at' })
  sessionExpiresAt!: Date;

  @TimestampColumn({ name: 'ended_at', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'end_reason', type: 'varchar', length: 32, nullable: true })
  endReason!: ClientEndReason | ClientExpiry | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  /** Who ended the client (for a reuse: the second presenter of the token). */
  @Column({ name: 'ended_by_user_agent', type: 'varchar', length: 512, nullable: true })
  endedByUserAgent!: string | null;

  @Column({ name: 'ended_by_ip', type: 'varchar', length: 64, nullable: true })
  endedByIp!: string | null;

  /** The OAuth scope granted at login (space-separated, RFC 6749 §3.3); a refresh may narrow, never widen it. */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  scope!: string | null;
}
