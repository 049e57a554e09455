import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../../database/timestamp.column';
import { User } from '../../users/user.entity';

/** A user's TOTP (RFC 6238) secret: pending until a first code confirms it. */
@Entity('totp_factors')
export class TotpFactor {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_totp_factors_user' })
  user?: User;

  /** The base32 secret, sealed with the key-encryption secret (KeysService.sealAtRest), bound to the user id. */
  @Column({ type: 'varchar', length: 255 })
  secret!: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  /** Null while pending: a pending secret is no factor. */
  @TimestampColumn({ name: 'confirmed_at', nullable: true })
  confirmedAt!: Date | null;

  /** The last 30-second step whose code was accepted: that step and every earlier one are spent. */
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true })
  lastUsedStep!: string | number | null;
}
