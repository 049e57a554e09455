import { Client } from 'pg';

/**
 * A database of the bench's own on a PostgreSQL server (BENCH_POSTGRES=postgres://user@host:port):
 * created empty for the run, dropped after it, so runs never share or leave state.
 */
export async function ownDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `refresh_auth_bench_${Date.now()}_${process.pid}`;
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const run = async (sql: string) => {
    const client = new Client({ connectionString: admin.href });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
