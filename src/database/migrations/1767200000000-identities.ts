import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

/*
 * Signing in with other providers and by email (API.md §12): the identities a user holds at upstream
 * providers (one account per provider and subject), the codes and links of email sign-in (hashes
 * only, with their tries), and which provider opened a client, for the device list.
 */
export class Identities1767200000000 implements MigrationInterface {
  name = 'Identities1767200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'user_identities',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'provider', type: 'varchar', length: '64' },
          { name: 'subject', type: 'varchar', length: '255' },
          { name: 'email', type: 'varchar', length: '254', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'last_used_at', type: 'bigint', isNullable: true },
        ],
        foreignKeys: [
          {
            name: 'fk_user_identities_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [
          { name: 'uq_user_identities_subject', columnNames: ['provider', 'subject'], isUnique: true },
          { name: 'idx_user_identities_user', columnNames: ['user_id'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'email_sign_ins',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'email', type: 'varchar', length: '254' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'code_hash', type: 'varchar', length: '64' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'used_at', type: 'bigint', isNullable: true },
        ],
        foreignKeys: [
          {
            name: 'fk_email_sign_ins_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [
          { name: 'uq_email_sign_ins_token', columnNames: ['token_hash'], isUnique: true },
          { name: 'idx_email_sign_ins_email', columnNames: ['email', 'created_at'] },
          { name: 'idx_email_sign_ins_user', columnNames: ['user_id'] },
        ],
      }),
    );
    await queryRunner.addColumn('clients', new TableColumn({ name: 'identity_provider', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clients', 'identity_provider');
    await queryRunner.dropTable('email_sign_ins');
    await queryRunner.dropTable('user_identities');
  }
}
