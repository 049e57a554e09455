import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/* The webhook outbox (API.md section 9): one row per (event, receiver URL), delivered at least once. */
export class WebhookOutbox1765100000000 implements MigrationInterface {
  name = 'WebhookOutbox1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'webhook_outbox',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'event_id', type: 'varchar', length: '36' },
          { name: 'url', type: 'varchar', length: '2048' },
          { name: 'type', type: 'varchar', length: '32' },
          { name: 'payload', type: 'text' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'created_at', type: 'bigint' },
          { name: 'next_attempt_at', type: 'bigint' },
          { name: 'claimed_until', type: 'bigint', isNullable: true },
          { name: 'delivered_at', type: 'bigint', isNullable: true },
          { name: 'failed_at', type: 'bigint', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '200', isNullable: true },
        ],
        indices: [
          { name: 'idx_webhook_outbox_due', columnNames: ['delivered_at', 'next_attempt_at'] },
          { name: 'idx_webhook_outbox_created', columnNames: ['created_at'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_outbox');
  }
}
