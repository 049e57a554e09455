import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { SqlStatement } from '../src/database/sql-statement';
import { migratedDataSource } from './support/database';

/**
 * SqlStatement (src/database/sql-statement.ts) reaches past TypeORM's public API: the driver's
 * placeholder rewriting, better-sqlite3's connection and pg's pool. Each test names one of those
 * internals, so a TypeORM upgrade that moves one fails here, by name, before a login does.
 * Runs on the engine of the test run: SQLite by default, PostgreSQL under `npm run test:postgres`.
 */
/** The part of a better-sqlite3 connection SqlStatement uses (the package ships no types). */
interface SqliteConnection {
  prepare(sql: string): { reader: boolean; database: { inTransaction: boolean } };
}

interface Internals {
  options: { type: string };
  escapeQueryWithParameters(sql: string, parameters: Record<string, unknown>, native: object): [string, unknown[]];
  databaseConnection?: SqliteConnection;
  master?: Pool;
}

describe('the TypeORM internals SqlStatement relies on', () => {
  let dataSource: DataSource;
  let driver: Internals;
  beforeEach(async () => {
    dataSource = await migratedDataSource();
    driver = dataSource.driver as unknown as Internals;
  });
  afterEach(() => dataSource.destroy());

  it("driver.escapeQueryWithParameters puts :names in the engine's placeholders and lists the values in their order", () => {
    const [sql, order] = driver.escapeQueryWithParameters('SELECT :b, :a, :b', { a: 'a', b: 'b' }, {});
    if (driver.options.type === 'postgres') {
      expect(sql).toBe('SELECT $1, $2, $1');
      expect(order).toEqual(['b', 'a']);
    } else {
      expect(sql).toBe('SELECT ?, ?, ?');
      expect(order).toEqual(['b', 'a', 'b']);
    }
  });

  it('the manager of the data source has no queryRunner; a transaction’s manager has an active one', async () => {
    expect(dataSource.manager.queryRunner).toBeUndefined();
    await dataSource.transaction(async (manager) => {
      expect(manager.queryRunner?.isTransactionActive).toBe(true);
    });
  });

  it('SQLite: driver.databaseConnection is the better-sqlite3 connection, and a statement is prepared once on it', async () => {
    if (driver.options.type !== 'better-sqlite3') return expect(driver.options.type).toBe('postgres');
    expect(driver.databaseConnection?.constructor.name).toBe('Database'); // better-sqlite3's
    const probe = driver.databaseConnection!.prepare('SELECT 1 AS one');
    expect(probe.reader).toBe(true);
    expect(probe.database.inTransaction).toBe(false);
    const prepare = jest.spyOn(driver.databaseConnection!, 'prepare');
    const statement = new SqlStatement(dataSource.manager, 'SELECT :n AS n', ['n']);
    expect(await statement.rows({ n: 1 })).toEqual([{ n: 1 }]);
    expect(await statement.rows({ n: 2 })).toEqual([{ n: 2 }]);
    expect(prepare).toHaveBeenCalledTimes(1);
  });

  it("PostgreSQL: driver.master is pg's pool, and a statement runs as one named prepared statement", async () => {
    if (driver.options.type !== 'postgres') return expect(driver.options.type).toBe('better-sqlite3');
    expect(driver.master).toBeInstanceOf(Pool);
    const query = jest.spyOn(driver.master!, 'query');
    const statement = new SqlStatement(dataSource.manager, 'SELECT :n::int AS n', ['n']);
    expect(await statement.rows({ n: 1 })).toEqual([{ n: 1 }]);
    expect(await statement.rows({ n: 2 })).toEqual([{ n: 2 }]);
    const names = query.mock.calls.map(([config]) => (config as unknown as { name: string }).name);
    expect(names).toEqual([expect.stringMatching(/^refresh_auth_[0-9a-f]{24}$/), names[0]]);
  });
});
