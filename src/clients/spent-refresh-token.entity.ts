import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import { Client } from './client.entity';

/**
 * Hashes of refresh secrets that a rotation replaced. Presenting one again is reuse: the token was
 * copied, so its whole client ends. A random secret that was never issued is only "invalid", so a
 * stranger who knows a client id cannot end that client.
 */
@Entity('spent_refresh_tokens')
@Index('idx_spent_refresh_tokens_client', ['clientId'])
export class SpentRefreshToken {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  hash!: string;

  @Column({ name: 'client_id', type: 'varchar', length: 36 })
  clientId!: string;

  @ManyToOne(() => Client, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'fk_spent_refresh_tokens_client' })
  client?: Client;

  @TimestampColumn({ name: 'spent_at' })
  spentAt!: Date;
}
