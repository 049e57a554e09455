import { Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/** A private_key_jwt assertion already used (RFC 7523 §3: each jti once), kept until it expires. */
@Entity('client_assertions')
export class ClientAssertion {
  /** SHA-256 of `<client_id> <jti>`. */
  @PrimaryColumn({ name: 'jti_hash', type: 'varchar', length: 64 })
  jtiHash!: string;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;
}
