import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/** One authorization code (RFC 6749 §4.1): only its hash is stored; single use, 60 s. */
@Entity('authorization_codes')
export class AuthorizationCode {
  @PrimaryColumn({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash!: string;

  @Column({ name: 'application_id', type: 'varchar', length: 64 })
  applicationId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @Column({ name: 'redirect_uri', type: 'varchar', length: 2048 })
  redirectUri!: string;

  /** The PKCE S256 challenge (RFC 7636). */
  @Column({ name: 'code_challenge', type: 'varchar', length: 128 })
  codeChallenge!: string;

  @Column({ type: 'varchar', length: 512, nullable: true })
  nonce!: string | null;

  /** What was granted: requested ∩ allowed for the app ∩ earned by the user. */
  @Column({ type: 'varchar', length: 2100 })
  scope!: string;

  /** When the user last signed in on the browser session that approved it (ms). */
  @TimestampColumn({ name: 'auth_time' })
  authTime!: Date;

  /** RFC 8176 methods of that sign-in, space-separated, when the session's token said. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  amr!: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;

  @TimestampColumn({ name: 'used_at', nullable: true })
  usedAt!: Date | null;

  /** The client the exchange opened: a replayed code ends it. */
  @Column({ name: 'issued_client_id', type: 'varchar', length: 36, nullable: true })
  issuedClientId!: string | null;
}
