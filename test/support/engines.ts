import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';

/*
 * Which engines this test run uses. By default SQLite and in-process state: nothing to set up.
 * `npm run test:postgres` sets TEST_POSTGRES_URL (an admin connection; every test creates and drops
 * its own database there) and TEST_REDIS_URL (every app gets its own key prefix, removed after).
 */
export const postgresUrl = process.env.TEST_POSTGRES_URL || undefined;
export const redisUrl = process.env.TEST_REDIS_URL || undefined;
export const engineName = postgresUrl ? 'PostgreSQL' : 'SQLite';

/*
 * PostgreSQL refuses to start without a key-encryption secret. Set for the whole test process, so the
 * apps, server processes and CLI runs of one test share it, as a deployment's instances do.
 */
if (postgresUrl) process.env.AUTH_KEY_ENCRYPTION_SECRET ||= 'test-only-key-encryption-secret-0123456789';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function asAdmin(sql: string): Promise<void> {
  const admin = new PgClient({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A new, empty database: on PostgreSQL its own database, on SQLite in memory or (shared) a file. */
export async function createTestDatabase(options: { shared?: boolean } = {}): Promise<TestDatabase> {
  if (postgresUrl) {
    const name = `ra_test_${randomBytes(6).toString('hex')}`;
    await asAdmin(`CREATE DATABASE ${name}`);
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    return { url: url.toString(), drop: () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  }
  if (!options.shared) return { url: 'sqlite::memory:', drop: async () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'refresh-auth-'));
  return { url: `sqlite:${join(dir, 'test.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestRedis {
  env: Record<string, string>;
  clear(): Promise<void>;
}

/** REDIS_URL and a key prefix of its own when the run has Redis; nothing otherwise. */
export function createTestRedis(): TestRedis {
  if (!redisUrl) return { env: {}, clear: async () => undefined };
  const prefix = `ra-test-${randomBytes(6).toString('hex')}:`;
  return {
    env: { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix },
    async clear() {
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
