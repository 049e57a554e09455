import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

export type ApplicationType = 'public' | 'confidential';

/** A list of strings kept as JSON text: portable across SQLite and PostgreSQL. */
const jsonList = { to: (value: string[]) => JSON.stringify(value), from: (value: string) => JSON.parse(value) as string[] };

/** An app that signs its users in through us (API.md §13), registered by an admin. */
@Entity('applications')
export class Application {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 64 })
  clientId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: ApplicationType;

  /** Compared exactly, never by prefix or pattern (RFC 9700 §4.1.3). */
  @Column({ name: 'redirect_uris', type: 'text', transformer: jsonList })
  redirectUris!: string[];

  @Column({ name: 'post_logout_redirect_uris', type: 'text', transformer: jsonList })
  postLogoutRedirectUris!: string[];

  /** Space-separated: what the application may ever be granted. */
  @Column({ type: 'varchar', length: 2100 })
  scopes!: string;

  /** A first-party application is ours: no consent page. */
  @Column({ name: 'first_party', type: 'boolean' })
  firstParty!: boolean;

  @Column({ name: 'backchannel_logout_uri', type: 'varchar', length: 2048, nullable: true })
  backchannelLogoutUri!: string | null;

  /** SHA-256 (hex) of the client secret (32 random bytes, so a fast hash is enough); null for public apps. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64, nullable: true })
  secretHash!: string | null;

  /** The app's public keys for private_key_jwt: a JWK Set (JSON) or where to fetch it. */
  @Column({ type: 'text', nullable: true })
  jwks!: string | null;

  @Column({ name: 'jwks_uri', type: 'varchar', length: 2048, nullable: true })
  jwksUri!: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
