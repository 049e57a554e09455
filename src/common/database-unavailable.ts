import { HttpError } from './http-error';

/** Seconds a caller is asked to wait when the database is unavailable (Retry-After). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

// SQLite: locked past busy_timeout, read-only file, disk full, I/O failure, file gone.
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|READONLY|FULL|IOERR|CANTOPEN)/;
// PostgreSQL SQLSTATE: 08 connection, 53 resources (disk full, too many connections), 57 operator
// intervention (57014 statement timeout, 57P0x shutdown), 3D000 database gone, 25006 read-only, 55P03 lock timeout.
const POSTGRES_CODES = /^(08|53|57)[0-9A-Z]{3}$|^3D000$|^25006$|^55P03$/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres and TypeORM say these in words only: pool or connect timeout, client-side query timeout, lost connection.
const MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Query read timeout|not queryable|is not established/i;

interface DriverError {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/** The driver's own error under TypeORM's wrapper, and the wrapper itself. */
function layers(error: unknown): DriverError[] {
  const found: DriverError[] = [];
  for (let layer = error; layer && typeof layer === 'object' && found.length < 4;) {
    const e = layer as DriverError;
    found.push(e);
    layer = e.driverError ?? e.cause;
  }
  return found;
}

/** True for errors that say the database cannot answer now, as opposed to a bug or bad input. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return layers(error).some(({ code, syscall, message }) => {
    if (typeof code === 'string' && (SQLITE_CODES.test(code) || POSTGRES_CODES.test(code))) return true;
    // A socket error of our own connection; a client that aborts its request says ECONNRESET without a syscall.
    if (typeof code === 'string' && NETWORK_CODES.has(code) && typeof syscall === 'string') return true;
    return typeof message === 'string' && MESSAGES.test(message);
  });
}

/** For the log: the driver's code and message, never the SQL or its parameters. */
export function describeDatabaseError(error: unknown): string {
  const driver = layers(error).at(-1) ?? {};
  return [driver.code, driver.message].filter((part) => typeof part === 'string').join(' ');
}

/** The 503 a caller sees instead: no driver text, and when to come back. */
export function databaseUnavailable(): HttpError {
  return new HttpError(503, 'Service Unavailable', 'The database is unavailable; please retry shortly', {
    'retry-after': String(DATABASE_RETRY_AFTER_SECONDS),
  });
}
