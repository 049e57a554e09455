import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** Keys are published before they sign: a new key activates after AUTH_KEY_ACTIVATION_DELAY. */
export class SigningKeyActivation1764230400000 implements MigrationInterface {
  name = 'SigningKeyActivation1764230400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('signing_keys', new TableColumn({ name: 'activates_at', type: 'bigint', default: 0 }));
    await queryRunner.query('UPDATE signing_keys SET activates_at = created_at');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('signing_keys', 'activates_at');
  }
}
