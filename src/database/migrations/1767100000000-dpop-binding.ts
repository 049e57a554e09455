import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/*
 * DPoP (API.md §14): the RFC 7638 thumbprint of the key a client is bound to (43 base64url
 * characters of SHA-256); NULL for a client that never showed a proof. The same on both engines.
 */
export class DpopBinding1767100000000 implements MigrationInterface {
  name = 'DpopBinding1767100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('clients', new TableColumn({ name: 'dpop_jkt', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clients', 'dpop_jkt');
  }
}
