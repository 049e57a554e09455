import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** The SQLite file of a `sqlite:<path>` DATABASE_URL; null for PostgreSQL and `sqlite::memory:`. */
export function sqliteFile(url: string): string | null {
  if (!url.startsWith('sqlite:')) return null;
  const path = url.slice('sqlite:'.length);
  return path === ':memory:' ? null : path;
}

/**
 * The folder that holds a data file: made 0700 when we create it (an existing folder is the
 * operator's and keeps its mode). chmod after mkdir, so the umask cannot loosen it.
 */
export function ensureDataFolder(file: string): void {
  const folder = dirname(file);
  if (existsSync(folder)) return;
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  chmodSync(folder, 0o700);
}

/**
 * The SQLite file is created 0600 before SQLite opens it, and SQLite gives its -wal and -shm files
 * the mode of the database file; files left 0644 by an older start are tightened too. A copy of them
 * holds every user and client.
 */
export function prepareSqliteFile(file: string): void {
  ensureDataFolder(file);
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}
