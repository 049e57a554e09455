import { DataSource, DataSourceOptions } from 'typeorm';

type Escape = (sql: string, parameters: Record<string, unknown>) => [string, unknown[]];

/**
 * The application's DataSource. On SQLite, TypeORM writes numeric parameters into the SQL text as
 * literals, so every distinct number (our instants are epoch milliseconds) makes a new SQL string:
 * better-sqlite3 then prepares a statement on every call and its statement cache never hits
 * (docs/benchmarks.md). Integers are bound as parameters
 * instead, like every other value; PostgreSQL's driver binds them already.
 */
export async function createDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource(options);
  if (options.type === 'better-sqlite3') {
    const driver = dataSource.driver as unknown as { escapeQueryWithParameters: Escape };
    const escape = driver.escapeQueryWithParameters.bind(driver);
    driver.escapeQueryWithParameters = (sql, parameters) => escape(sql, bindIntegers(parameters));
  }
  return dataSource.initialize();
}

/** Safe integers as BigInt, which TypeORM binds as they are and better-sqlite3 binds as INTEGER. */
function bindIntegers(parameters: Record<string, unknown>): Record<string, unknown> {
  if (!parameters) return parameters;
  const bound: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(parameters)) {
    bound[name] = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  return bound;
}
