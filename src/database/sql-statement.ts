import { createHash } from 'node:crypto';
import { EntityManager, QueryFailedError } from 'typeorm';

/** Thrown instead of running a statement inside a transaction it cannot be part of. */
export class SqlStatementTransactionError extends Error {
  constructor() {
    super('SqlStatement runs outside transactions only');
  }
}

type Execute = (values: unknown[]) => unknown[] | Promise<unknown[]>;

/**
 * A hand-written statement with named parameters (`:name`) for the hot paths (login, refresh),
 * where TypeORM's query and insert builders cost more than running the statement (on a login they
 * were 44% of the event loop's work, measured). It is put in the engine's placeholders once and
 * prepared once: on SQLite a better-sqlite3 statement on TypeORM's one connection, on PostgreSQL
 * a named statement that each pooled connection parses and plans once, not on every call.
 * The SQL must suit the engine of the manager. Errors are TypeORM's QueryFailedError, as elsewhere.
 * It runs outside transactions only: on PostgreSQL it takes a pooled connection of its own, and on
 * SQLite's one connection it would silently join whatever transaction is open there, so both are refused.
 * Hold a module's statements in its repository class, next to its entity.
 */
export class SqlStatement<Parameter extends string> {
  private readonly sql: string;
  private readonly order: Parameter[];
  private readonly execute: Execute;

  constructor(manager: EntityManager, sql: string, parameters: readonly Parameter[]) {
    if (manager.queryRunner) throw new SqlStatementTransactionError();
    const names = Object.fromEntries(parameters.map((name) => [name, name]));
    const [escaped, order] = manager.connection.driver.escapeQueryWithParameters(sql, names);
    this.sql = escaped;
    this.order = order as Parameter[];
    this.execute = executor(manager, escaped);
  }

  /** The rows the statement answers; none for a statement without a result. */
  async rows<Row>(values: Record<Parameter, unknown>, manager?: EntityManager): Promise<Row[]> {
    if (manager?.queryRunner?.isTransactionActive) throw new SqlStatementTransactionError();
    const ordered = this.order.map((name) => values[name]);
    try {
      return (await this.execute(ordered)) as Row[];
    } catch (error) {
      if (error instanceof SqlStatementTransactionError) throw error;
      throw new QueryFailedError(this.sql, ordered, error as Error);
    }
  }
}

interface SqliteStatement {
  reader: boolean;
  database: { inTransaction: boolean };
  all(...values: unknown[]): unknown[];
  run(...values: unknown[]): unknown;
}

function executor(manager: EntityManager, sql: string): Execute {
  const driver = manager.connection.driver as unknown as {
    options: { type: string };
    databaseConnection: { prepare(sql: string): SqliteStatement };
    master: { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> };
  };
  if (driver.options.type === 'better-sqlite3') {
    let statement: SqliteStatement | undefined; // prepared on first use, once the connection is open
    return (values) => {
      statement ??= driver.databaseConnection.prepare(sql);
      if (statement.database.inTransaction) throw new SqlStatementTransactionError();
      const bound = values.map((value) => (typeof value === 'boolean' ? Number(value) : value)); // SQLite has no booleans
      if (statement.reader) return statement.all(...bound);
      statement.run(...bound);
      return [];
    };
  }
  if (driver.options.type === 'postgres') {
    const name = `refresh_auth_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    return async (values) => (await driver.master.query({ name, text: sql, values })).rows;
  }
  throw new Error(`SqlStatement: unsupported engine ${driver.options.type}`);
}
