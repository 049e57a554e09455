import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

/*
 * Roles and disabling per user (API.md §8), the scope a client was granted, and the audit trail of
 * admin actions. Schema builder only, so it runs unchanged on SQLite and PostgreSQL.
 */
export class RolesAndAudit1765000000000 implements MigrationInterface {
  name = 'RolesAndAudit1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('users', [
      // Space-joined role names ('' for none); names never contain a space (see roles.ts).
      new TableColumn({ name: 'roles', type: 'varchar', length: '2100', default: "''" }),
      new TableColumn({ name: 'disabled_at', type: 'bigint', isNullable: true }),
    ]);
    await queryRunner.addColumn('clients', new TableColumn({ name: 'scope', type: 'varchar', length: '1024', isNullable: true }));
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'at', type: 'bigint' },
          { name: 'actor', type: 'varchar', length: '16' },
          { name: 'actor_user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'actor_client_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'target_user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'details', type: 'varchar', length: '4000', default: "'{}'" },
        ],
        indices: [{ name: 'idx_audit_events_at', columnNames: ['at', 'id'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_events');
    await queryRunner.dropColumn('clients', 'scope');
    await queryRunner.dropColumn('users', 'disabled_at');
    await queryRunner.dropColumn('users', 'roles');
  }
}
