import { createDataSource } from './data-source';
import { buildDataSourceOptions } from './database.options';

describe('createDataSource on SQLite', () => {
  it('binds integers as parameters, so one prepared statement serves every timestamp', async () => {
    const dataSource = await createDataSource(buildDataSourceOptions('sqlite::memory:', []));
    try {
      const sql = 'SELECT username FROM users WHERE created_at > :after';
      const [first, parameters] = dataSource.driver.escapeQueryWithParameters(sql, { after: 1_700_000_000_000 });
      const [second] = dataSource.driver.escapeQueryWithParameters(sql, { after: 1_700_000_000_001 });
      expect(first).toBe(second); // TypeORM alone writes each number into the SQL text
      expect(parameters).toEqual([1_700_000_000_000n]);

      // Bound integers compare as numbers with the stored BIGINT instants.
      for (const [username, createdAt] of [
        ['early', 1_699_999_999_999],
        ['late', 1_700_000_000_001],
      ] as const) {
        await dataSource.query(
          `INSERT INTO users (id, username, username_key, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, 'h', ?, ?)`,
          [username, username, username, createdAt, createdAt],
        );
      }
      expect(await dataSource.query(first, parameters)).toEqual([{ username: 'late' }]);
    } finally {
      await dataSource.destroy();
    }
  });
});
