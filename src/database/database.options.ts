import type { DataSourceOptions } from 'typeorm';
import { prepareSqliteFile } from './data-files';
import { migrations } from './migrations';

export interface DatabaseTimeouts {
  /** Seconds a statement may run or wait for an answer (SQLite: for a lock). */
  queryTimeout: number;
  /** Seconds to wait for a PostgreSQL connection, from the pool or new. */
  connectTimeout: number;
}

/**
 * The one place that turns DATABASE_URL into TypeORM options, used by the app and by the
 * TypeORM CLI (ormconfig.ts), which pass the entities (src/entities.ts: database/ knows no feature). Schema changes only come from migrations, which run on start.
 * The app passes timeouts, so a stalled or refusing database fails a request in seconds (503)
 * instead of holding it; the CLI passes none, so a long migration may take its time.
 */
export function buildDataSourceOptions(
  url: string,
  entities: NonNullable<DataSourceOptions['entities']>,
  timeouts?: DatabaseTimeouts,
): DataSourceOptions {
  const common = { entities, migrations, synchronize: false, migrationsRun: true, logging: false } as const;
  if (url.startsWith('postgres')) {
    if (!timeouts) return { ...common, type: 'postgres', url };
    const query = timeouts.queryTimeout * 1000;
    return {
      ...common,
      type: 'postgres',
      url,
      connectTimeoutMS: timeouts.connectTimeout * 1000,
      extra: {
        // The server cancels a slow statement (a clean 57014); the client gives up a little later
        // when the network itself stalls and no cancel can arrive.
        statement_timeout: query,
        query_timeout: query + 500,
        // A transaction left idle (its process stalled) must not hold its row locks for long.
        idle_in_transaction_session_timeout: Math.max(2 * query, 10_000),
      },
    };
  }
  const path = url.slice('sqlite:'.length);
  const database = path === ':memory:' ? ':memory:' : path;
  if (database !== ':memory:') prepareSqliteFile(database);
  return {
    ...common,
    type: 'better-sqlite3',
    database,
    // WAL: readers never block the writer, and commits need no rollback journal (docs/benchmarks.md).
    // synchronous=NORMAL, SQLite's advice for WAL: no fsync per commit, never a corrupt file; a power
    // cut may lose the last commits (a refresh rolled back means one re-login), never mix them.
    // busy_timeout lets a second process (CLI, another instance on the same file) wait for the lock.
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${(timeouts?.queryTimeout ?? 5) * 1000}`);
      db.pragma('foreign_keys = ON');
    },
  };
}
