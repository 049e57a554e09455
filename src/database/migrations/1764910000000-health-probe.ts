import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * One row that GET /health rewrites: a database that reads fine but cannot be written (a read-only
 * file, a full disk, a read-only replica) is only found out by writing.
 */
export class HealthProbe1764910000000 implements MigrationInterface {
  name = 'HealthProbe1764910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'health_probe',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'checked_at', type: 'bigint', default: 0 },
        ],
      }),
    );
    await queryRunner.query('INSERT INTO health_probe (id, checked_at) VALUES (1, 0)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('health_probe');
  }
}
