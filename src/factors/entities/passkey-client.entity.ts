import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Client } from '../../clients/client.entity';
import { Passkey } from './passkey.entity';

/** Which passkey signed in which client: GET /me/factors lists them, and removing the passkey may end them. */
@Entity('passkey_clients')
@Index('idx_passkey_clients_passkey', ['passkeyId'])
export class PasskeyClient {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 36 })
  clientId!: string;

  @Column({ name: 'passkey_id', type: 'varchar', length: 36 })
  passkeyId!: string;

  @ManyToOne(() => Passkey, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'passkey_id', foreignKeyConstraintName: 'fk_passkey_clients_passkey' })
  passkey?: Passkey;

  @ManyToOne(() => Client, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'fk_passkey_clients_client' })
  client?: Client;
}
