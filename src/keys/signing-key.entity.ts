import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/** An access-token signing key pair, shared by every instance through the database. */
@Entity('signing_keys')
export class SigningKey {
  /** RFC 7638 JWK thumbprint of the public key; the `kid` header of the tokens it signs. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ type: 'varchar', length: 16 })
  algorithm!: string;

  /** SPKI PEM. */
  @Column({ name: 'public_key', type: 'text' })
  publicKey!: string;

  /** PKCS#8 PEM. */
  @Column({ name: 'private_key', type: 'text' })
  privateKey!: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  /** From this instant the key signs. It is published in the JWKS from its creation, so verifiers that cache the set know it first. */
  @TimestampColumn({ name: 'activates_at', default: 0 })
  activatesAt!: Date;

  /** After this instant the key neither signs nor verifies. */
  @TimestampColumn({ name: 'retired_at', nullable: true })
  retiredAt!: Date | null;
}
