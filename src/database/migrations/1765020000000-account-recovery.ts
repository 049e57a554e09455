import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/*
 * Account recovery (API.md section 10): the user's verified email, the single-use tokens mailed to
 * it (SHA-256 only), and the outbox the mail is sent from, so a mail server that is down loses nothing.
 */
export class AccountRecovery1765020000000 implements MigrationInterface {
  name = 'AccountRecovery1765020000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('users', [
      new TableColumn({ name: 'email', type: 'varchar', length: '254', isNullable: true }),
      new TableColumn({ name: 'email_verified_at', type: 'bigint', isNullable: true }),
    ]);
    // Partial: one account per verified address (SQLite and PostgreSQL both take the WHERE).
    await queryRunner.createIndex(
      'users',
      new TableIndex({ name: 'uq_users_verified_email', columnNames: ['email'], isUnique: true, where: 'email_verified_at IS NOT NULL' }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'recovery_tokens',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'purpose', type: 'varchar', length: '16' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'email', type: 'varchar', length: '254', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'used_at', type: 'bigint', isNullable: true },
        ],
        foreignKeys: [
          {
            name: 'fk_recovery_tokens_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [
          { name: 'uq_recovery_tokens_hash', columnNames: ['token_hash'], isUnique: true },
          { name: 'idx_recovery_tokens_user', columnNames: ['user_id', 'purpose'] },
          { name: 'idx_recovery_tokens_expires', columnNames: ['expires_at'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'mail_outbox',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'recipient', type: 'varchar', length: '254' },
          { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'next_attempt_at', type: 'bigint' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [{ name: 'idx_mail_outbox_next_attempt', columnNames: ['next_attempt_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('mail_outbox');
    await queryRunner.dropTable('recovery_tokens');
    await queryRunner.dropIndex('users', 'uq_users_verified_email');
    await queryRunner.dropColumn('users', 'email_verified_at');
    await queryRunner.dropColumn('users', 'email');
  }
}
