import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/** What a user allowed a third-party application; revoked by deleting it (DELETE /me/consents/:clientId). */
@Entity('consents')
export class Consent {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @PrimaryColumn({ name: 'application_id', type: 'varchar', length: 64 })
  applicationId!: string;

  @Column({ type: 'varchar', length: 2100 })
  scope!: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
