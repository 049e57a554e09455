import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/*
 * A sign-in through an upstream provider (API.md §12) that stops at the user's second factor
 * remembers the provider with its mfaToken, so the session POST /auth/mfa opens shows it too.
 */
export class MfaTokenProvider1767400000000 implements MigrationInterface {
  name = 'MfaTokenProvider1767400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('mfa_tokens', new TableColumn({ name: 'identity_provider', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('mfa_tokens', 'identity_provider');
  }
}
