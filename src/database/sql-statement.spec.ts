import { DataSource, QueryFailedError } from 'typeorm';
import { migratedDataSource } from '../../test/support/database';
import { SqlStatement, SqlStatementTransactionError } from './sql-statement';

const INSERT_USER = `INSERT INTO users (id, username, username_key, password_hash, created_at, password_changed_at)
  VALUES (:id, :id, :id, 'h', :at, :at)`;

// Runs on the engine of the test run: SQLite by default, PostgreSQL under `npm run test:postgres`.
describe('SqlStatement', () => {
  let dataSource: DataSource;

  beforeEach(async () => {
    dataSource = await migratedDataSource();
  });
  afterEach(() => dataSource.destroy());

  // A new SqlStatement each time: two statements with the same SQL share one prepared statement name.
  const addUser = (id: string, at: number) => new SqlStatement(dataSource.manager, INSERT_USER, ['id', 'at']).rows({ id, at });

  it('binds named parameters, repeated ones included, and answers no rows for a statement without a result', async () => {
    expect(await addUser('early', 1_699_999_999_999)).toEqual([]);
    expect(await addUser('late', 1_700_000_000_001)).toEqual([]);
    const after = new SqlStatement(dataSource.manager, 'SELECT username FROM users WHERE created_at > :after AND password_changed_at > :after', [
      'after',
    ]);
    expect(await after.rows({ after: 1_700_000_000_000 })).toEqual([{ username: 'late' }]);
    expect(await after.rows({ after: 1_600_000_000_000 })).toHaveLength(2); // the prepared statement again, other values
  });

  it('answers the rows of UPDATE ... RETURNING and binds booleans on both engines', async () => {
    await addUser('u1', 1);
    const insert = new SqlStatement(
      dataSource.manager,
      `INSERT INTO clients (id, user_id, permanent, created_at, last_used_at, expires_at, session_expires_at)
        VALUES (:id, 'u1', :permanent, 1, 1, 2, 2)`,
      ['id', 'permanent'],
    );
    await insert.rows({ id: 'c1', permanent: true });
    await insert.rows({ id: 'c2', permanent: false });
    const touch = new SqlStatement(
      dataSource.manager,
      'UPDATE clients SET last_used_at = :now WHERE permanent = :permanent RETURNING id, last_used_at',
      ['now', 'permanent'],
    );
    const [row, ...none] = await touch.rows<{ id: string; last_used_at: string | number }>({ now: 5, permanent: true });
    expect(none).toEqual([]);
    expect(row.id).toBe('c1');
    expect(Number(row.last_used_at)).toBe(5);
    expect(await touch.rows({ now: 6, permanent: true })).toHaveLength(1);
  });

  it("reports a failed statement as TypeORM's QueryFailedError", async () => {
    await addUser('twice', 1);
    await expect(addUser('twice', 2)).rejects.toBeInstanceOf(QueryFailedError);
  });

  it('refuses to run inside a transaction it cannot join, and the transaction keeps its own work', async () => {
    const after = new SqlStatement(dataSource.manager, 'SELECT username FROM users WHERE created_at > :after', ['after']);
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO users (id, username, username_key, password_hash, created_at, password_changed_at) VALUES ('t', 't', 't', 'h', 1, 1)`,
        );
        expect(() => new SqlStatement(manager, 'SELECT 1', [])).toThrow(SqlStatementTransactionError);
        await after.rows({ after: 0 }, manager);
      }),
    ).rejects.toBeInstanceOf(SqlStatementTransactionError);
    await expect(after.rows({ after: 0 })).resolves.toEqual([]); // rolled back, and the statement works outside
  });

  it('refuses a transaction opened on the shared connection by someone else (SQLite’s one connection)', async () => {
    const after = new SqlStatement(dataSource.manager, 'SELECT username FROM users WHERE created_at > :after', ['after']);
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      if (dataSource.options.type === 'better-sqlite3') {
        await expect(after.rows({ after: 0 })).rejects.toBeInstanceOf(SqlStatementTransactionError);
      } else {
        await expect(after.rows({ after: 0 })).resolves.toEqual([]); // its own pooled connection, outside the transaction
      }
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
