import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/*
 * Audit details as text of any length (issue 24): a legal roles change (32 roles of 64 characters,
 * before and after) needs more than the 4,000 characters of varchar(4000), and a row cut to fit was
 * invalid JSON. PostgreSQL alters the type in place (TypeORM's changeColumn would drop and re-add
 * the column, losing every row's details); SQLite, which cannot alter a type, rebuilds the table
 * and copies the rows.
 */
export class AuditDetailsText1766000000000 implements MigrationInterface {
  name = 'AuditDetailsText1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query('ALTER TABLE audit_events ALTER COLUMN details TYPE text');
    } else {
      await queryRunner.changeColumn('audit_events', 'details', new TableColumn({ name: 'details', type: 'text', default: "'{}'" }));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Details longer than the old column are cut to fit, as the old version did.
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query('ALTER TABLE audit_events ALTER COLUMN details TYPE varchar(4000) USING left(details, 4000)');
    } else {
      await queryRunner.changeColumn(
        'audit_events',
        'details',
        new TableColumn({ name: 'details', type: 'varchar', length: '4000', default: "'{}'" }),
      );
    }
  }
}
