import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

/*
 * Reuse detection keeps the last ten rotated-away hashes in the client row instead of one row per
 * rotation: one UPDATE per refresh instead of an UPDATE and an INSERT, and storage bounded by the
 * number of clients rather than growing with every refresh (see docs/scaling.md).
 */
export class RecentSpentHashes1764237600000 implements MigrationInterface {
  name = 'RecentSpentHashes1764237600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('clients', new TableColumn({ name: 'recent_spent_hashes', type: 'varchar', length: '640', default: "''" }));
    await queryRunner.dropTable('spent_refresh_tokens');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'spent_refresh_tokens',
        columns: [
          { name: 'hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'client_id', type: 'varchar', length: '36' },
          { name: 'spent_at', type: 'bigint' },
        ],
        foreignKeys: [
          {
            name: 'fk_spent_refresh_tokens_client',
            columnNames: ['client_id'],
            referencedTableName: 'clients',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [{ name: 'idx_spent_refresh_tokens_client', columnNames: ['client_id'] }],
      }),
    );
    await queryRunner.dropColumn('clients', 'recent_spent_hashes');
  }
}
