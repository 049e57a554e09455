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
    // A sign-in or link under way at a provider: what the callback checks (state, the browser that
    // started it, nonce, PKCE verifier), and for header-mode apps the one-time code it hands back.
    await queryRunner.createTable(
      new Table({
        name: 'identity_logins',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'state_hash', type: 'varchar', length: '64' },
          { name: 'browser_hash', type: 'varchar', length: '64' },
          { name: 'provider', type: 'varchar', length: '64' },
          { name: 'nonce', type: 'varchar', length: '64' },
          { name: 'code_verifier', type: 'varchar', length: '128' },
          { name: 'permanent', type: 'boolean' },
          { name: 'return_to', type: 'varchar', length: '2048' },
          { name: 'header_mode', type: 'boolean' },
          { name: 'link_user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'exchange_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'used_at', type: 'bigint', isNullable: true },
          { name: 'exchanged_at', type: 'bigint', isNullable: true },
        ],
        indices: [
          { name: 'uq_identity_logins_state', columnNames: ['state_hash'], isUnique: true },
          { name: 'uq_identity_logins_exchange', columnNames: ['exchange_hash'], isUnique: true },
          { name: 'idx_identity_logins_expires', columnNames: ['expires_at'] },
        ],
      }),
    );
    await queryRunner.addColumn('clients', new TableColumn({ name: 'identity_provider', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clients', 'identity_provider');
    await queryRunner.dropTable('identity_logins');
    await queryRunner.dropTable('email_sign_ins');
    await queryRunner.dropTable('user_identities');
  }
}
