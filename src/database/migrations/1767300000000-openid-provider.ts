import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/*
 * Being the identity provider (API.md §13): the applications admins register, the authorization
 * codes (hashes only, single use), the consents users gave, the private_key_jwt assertions already
 * seen (each jti once), and which application each client was opened for.
 */
export class OpenIdProvider1767300000000 implements MigrationInterface {
  name = 'OpenIdProvider1767300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'applications',
        columns: [
          { name: 'client_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'type', type: 'varchar', length: '16' },
          { name: 'redirect_uris', type: 'text' },
          { name: 'post_logout_redirect_uris', type: 'text' },
          { name: 'scopes', type: 'varchar', length: '2100' },
          { name: 'first_party', type: 'boolean' },
          { name: 'backchannel_logout_uri', type: 'varchar', length: '2048', isNullable: true },
          { name: 'secret_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'jwks', type: 'text', isNullable: true },
          { name: 'jwks_uri', type: 'varchar', length: '2048', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'authorization_codes',
        columns: [
          { name: 'code_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'application_id', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'redirect_uri', type: 'varchar', length: '2048' },
          { name: 'code_challenge', type: 'varchar', length: '128' },
          { name: 'nonce', type: 'varchar', length: '512', isNullable: true },
          { name: 'scope', type: 'varchar', length: '2100' },
          { name: 'auth_time', type: 'bigint' },
          { name: 'amr', type: 'varchar', length: '200', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'used_at', type: 'bigint', isNullable: true },
          { name: 'issued_client_id', type: 'varchar', length: '36', isNullable: true },
        ],
        indices: [{ name: 'idx_authorization_codes_expires', columnNames: ['expires_at'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'consents',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'application_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'scope', type: 'varchar', length: '2100' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
        foreignKeys: [
          { name: 'fk_consents_user', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'client_assertions',
        columns: [
          { name: 'jti_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [{ name: 'idx_client_assertions_expires', columnNames: ['expires_at'] }],
      }),
    );
    await queryRunner.addColumn('clients', new TableColumn({ name: 'application_id', type: 'varchar', length: '64', isNullable: true }));
    await queryRunner.createIndex('clients', new TableIndex({ name: 'idx_clients_application', columnNames: ['application_id'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('clients', 'idx_clients_application');
    await queryRunner.dropColumn('clients', 'application_id');
    await queryRunner.dropTable('client_assertions');
    await queryRunner.dropTable('consents');
    await queryRunner.dropTable('authorization_codes');
    await queryRunner.dropTable('applications');
  }
}
