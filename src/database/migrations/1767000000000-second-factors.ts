import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

const userForeignKey = (table: string) => ({
  name: `fk_${table}_user`,
  columnNames: ['user_id'],
  referencedTableName: 'users',
  referencedColumnNames: ['id'],
  onDelete: 'CASCADE',
});

/*
 * Second factors (API.md §11): TOTP secrets (encrypted at rest), passkeys, hashed recovery codes, the
 * mfaTokens of logins waiting for their second step, and WebAuthn challenges, each single use.
 * users.mfa_enabled is a copy of "has a confirmed TOTP or a passkey", read with the login's one
 * SELECT, so a login without factors costs no extra query. clients.amr records how each client
 * proved who its user is (RFC 8176), for its access tokens' amr; clients before this were password logins.
 */
export class SecondFactors1767000000000 implements MigrationInterface {
  name = 'SecondFactors1767000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('users', new TableColumn({ name: 'mfa_enabled', type: 'boolean', default: false }));
    await queryRunner.addColumn('clients', new TableColumn({ name: 'amr', type: 'varchar', length: '64', default: "'pwd'" }));
    await queryRunner.createTable(
      new Table({
        name: 'totp_factors',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'secret', type: 'varchar', length: '255' },
          { name: 'created_at', type: 'bigint' },
          { name: 'confirmed_at', type: 'bigint', isNullable: true },
          { name: 'last_used_step', type: 'bigint', isNullable: true },
        ],
        foreignKeys: [userForeignKey('totp_factors')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'passkeys',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'credential_id', type: 'varchar', length: '1400' },
          { name: 'public_key', type: 'text' },
          { name: 'counter', type: 'bigint', default: 0 },
          { name: 'transports', type: 'varchar', length: '255', default: "''" },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
          { name: 'last_used_at', type: 'bigint', isNullable: true },
        ],
        foreignKeys: [userForeignKey('passkeys')],
        indices: [
          { name: 'uq_passkeys_credential', columnNames: ['credential_id'], isUnique: true },
          { name: 'idx_passkeys_user', columnNames: ['user_id'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'passkey_clients',
        columns: [
          { name: 'client_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'passkey_id', type: 'varchar', length: '36' },
        ],
        foreignKeys: [
          {
            name: 'fk_passkey_clients_passkey',
            columnNames: ['passkey_id'],
            referencedTableName: 'passkeys',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_passkey_clients_client',
            columnNames: ['client_id'],
            referencedTableName: 'clients',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [{ name: 'idx_passkey_clients_passkey', columnNames: ['passkey_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'recovery_codes',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'code_hash', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
        ],
        foreignKeys: [userForeignKey('recovery_codes')],
        indices: [{ name: 'uq_recovery_codes_user_hash', columnNames: ['user_id', 'code_hash'], isUnique: true }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'mfa_tokens',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'permanent', type: 'boolean' },
          { name: 'scope', type: 'varchar', length: '1024', isNullable: true },
          { name: 'password_changed_at', type: 'bigint' },
          { name: 'failures', type: 'integer', default: 0 },
          { name: 'expires_at', type: 'bigint' },
        ],
        foreignKeys: [userForeignKey('mfa_tokens')],
        indices: [{ name: 'idx_mfa_tokens_expires', columnNames: ['expires_at'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webauthn_challenges',
        columns: [
          { name: 'challenge', type: 'varchar', length: '64', isPrimary: true },
          { name: 'purpose', type: 'varchar', length: '16' },
          { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'expires_at', type: 'bigint' },
        ],
        foreignKeys: [userForeignKey('webauthn_challenges')],
        indices: [{ name: 'idx_webauthn_challenges_expires', columnNames: ['expires_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['webauthn_challenges', 'mfa_tokens', 'recovery_codes', 'passkey_clients', 'passkeys', 'totp_factors']) {
      await queryRunner.dropTable(table);
    }
    await queryRunner.dropColumn('clients', 'amr');
    await queryRunner.dropColumn('users', 'mfa_enabled');
  }
}
