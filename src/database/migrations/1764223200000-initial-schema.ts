import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/*
 * Written with TypeORM's schema builder rather than raw SQL, so this one migration runs unchanged
 * on SQLite and PostgreSQL. Instants are BIGINT epoch milliseconds (see timestamp.column.ts).
 */
const id = (name: string): TableColumnOptions => ({ name, type: 'varchar', length: '36' });
const instant = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable });
const text = (name: string, length: number, isNullable = true): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});

export class InitialSchema1764223200000 implements MigrationInterface {
  name = 'InitialSchema1764223200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { ...id('id'), isPrimary: true },
          text('username', 64, false),
          text('username_key', 64, false),
          text('password_hash', 255, false),
          instant('created_at'),
          instant('password_changed_at'),
        ],
        uniques: [{ name: 'uq_users_username_key', columnNames: ['username_key'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'clients',
        columns: [
          { ...id('id'), isPrimary: true },
          id('user_id'),
          { name: 'permanent', type: 'boolean' },
          text('refresh_token_hash', 64),
          text('previous_refresh_token_hash', 64),
          text('sealed_successor', 255),
          instant('rotated_at', true),
          instant('created_at'),
          instant('last_used_at'),
          instant('expires_at'),
          instant('session_expires_at'),
          instant('ended_at', true),
          text('end_reason', 32),
          text('user_agent', 512),
          text('ip', 64),
          text('ended_by_user_agent', 512),
          text('ended_by_ip', 64),
        ],
        foreignKeys: [
          { name: 'fk_clients_user', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
        indices: [
          { name: 'idx_clients_user_created', columnNames: ['user_id', 'created_at'] },
          { name: 'idx_clients_expires', columnNames: ['expires_at'] },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'spent_refresh_tokens',
        columns: [{ ...text('hash', 64, false), isPrimary: true }, id('client_id'), instant('spent_at')],
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

    await queryRunner.createTable(
      new Table({
        name: 'signing_keys',
        columns: [
          { ...text('kid', 64, false), isPrimary: true },
          text('algorithm', 16, false),
          { name: 'public_key', type: 'text' },
          { name: 'private_key', type: 'text' },
          instant('created_at'),
          instant('retired_at', true),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('signing_keys');
    await queryRunner.dropTable('spent_refresh_tokens');
    await queryRunner.dropTable('clients');
    await queryRunner.dropTable('users');
  }
}
