import type { DataSourceOptions } from 'typeorm';
import { AuditEvent } from '../admin/audit-event.entity';
import { Client } from '../clients/client.entity';
import { SigningKey } from '../keys/signing-key.entity';
import { User } from '../users/user.entity';
import { prepareSqliteFile } from './data-files';
import { migrations } from './migrations';

export const entities = [User, Client, SigningKey, AuditEvent];

/**
 * The one place that turns DATABASE_URL into TypeORM options, used by the app and by the
 * TypeORM CLI (ormconfig.ts). Schema changes only come from migrations, which run on start.
 */
export function buildDataSourceOptions(url: string): DataSourceOptions {
  const common = { entities, migrations, synchronize: false, migrationsRun: true, logging: false } as const;
  if (url.startsWith('postgres')) {
    return { ...common, type: 'postgres', url };
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
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
  };
}
