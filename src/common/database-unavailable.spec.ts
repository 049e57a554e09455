import { describeDatabaseError, isDatabaseUnavailable } from './database-unavailable';

const withCode = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error('driver says'), { code, ...extra });
const wrapped = (driverError: unknown) =>
  Object.assign(new Error('wrapper'), { driverError, query: 'SELECT secret FROM t', parameters: ['hunter2'] });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['SQLite busy past busy_timeout', wrapped(withCode('SQLITE_BUSY'))],
    ['SQLite read-only file', wrapped(withCode('SQLITE_READONLY'))],
    ['SQLite disk full', wrapped(withCode('SQLITE_FULL'))],
    ['SQLite I/O error', withCode('SQLITE_IOERR_WRITE')],
    ['PostgreSQL statement timeout', wrapped(withCode('57014'))],
    ['PostgreSQL shutting down', withCode('57P01')],
    ['PostgreSQL connection failure', withCode('08006')],
    ['PostgreSQL database gone', withCode('3D000')],
    ['PostgreSQL read-only', wrapped(withCode('25006'))],
    ['a refused connection', withCode('ECONNREFUSED', { syscall: 'connect' })],
    ['a pool acquire timeout', new Error('timeout exceeded when trying to connect')],
    ['a client-side query timeout', new Error('Query read timeout')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
  ])('is true for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError('x is undefined')],
    ['a unique violation', wrapped(withCode('23505'))],
    ['a SQLite constraint', wrapped(withCode('SQLITE_CONSTRAINT_UNIQUE'))],
    ['a client that aborted its request', withCode('ECONNRESET')],
    ['nothing at all', undefined],
  ])('is false for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('describes the driver error for the log without the SQL or its parameters', () => {
    const text = describeDatabaseError(wrapped(withCode('SQLITE_READONLY')));
    expect(text).toBe('SQLITE_READONLY driver says');
  });
});
