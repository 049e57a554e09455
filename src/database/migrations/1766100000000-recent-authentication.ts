import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/*
 * Recent authentication (API.md §11): when the user last proved who they are on each client, so a
 * refresh keeps it in the access token's auth_time; and the address a user asked for, pending until
 * its link is followed, so the verified address stays the recovery address meanwhile.
 * Clients that existed before count as authenticated at their login.
 */
export class RecentAuthentication1766100000000 implements MigrationInterface {
  name = 'RecentAuthentication1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('clients', new TableColumn({ name: 'authenticated_at', type: 'bigint', default: 0 }));
    await queryRunner.query('UPDATE clients SET authenticated_at = created_at');
    await queryRunner.addColumn('users', new TableColumn({ name: 'pending_email', type: 'varchar', length: '254', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('users', 'pending_email');
    await queryRunner.dropColumn('clients', 'authenticated_at');
  }
}
