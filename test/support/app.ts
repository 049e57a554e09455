import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
import 'reflect-metadata';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { Algorithm, hash } from '@node-rs/argon2';
import { createApp } from '../../src/app.factory';
import { Env, loadEnv } from '../../src/config/env';
import { PasswordHasher } from '../../src/users/password-hasher';
import { createTestDatabase, createTestRedis } from './engines';

export { createTestDatabase as tempDatabase } from './engines';

/**
 * Every test signs up and logs in from 127.0.0.1: the per-address limits of sign-ups and successful
 * logins are lifted unless a test sets them (test/rate-limits.e2e-spec.ts does).
 */
export const UNLIMITED_ADDRESS = { AUTH_SIGNUP_MAX_PER_ADDRESS: '1000000', AUTH_LOGIN_MAX_SUCCESSES_PER_ADDRESS: '10000000' };

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * Hash new passwords at the production cost. Off by default: argon2id at OWASP's setting takes tens of
   * milliseconds a hash on this machine, and most tests sign users up for a reason other than the hash.
   * Off, hashes are still argon2id (real verifies, real format), at the lowest cost argon2 accepts.
   */
  productionHashing?: boolean;
  /**
   * Changes the validated configuration before the app is built, for what the environment cannot say:
   * a keep-alive of a fraction of a second (AUTH_EVENT_STREAM_KEEPALIVE takes whole seconds), so a test
   * waits a beat of its own instead of a deployment's.
   */
  config?: (env: Env) => void;
}

/** argon2id at its cheapest: the same code and format as production, a fraction of the time. */
const CHEAP_ARGON2ID = { algorithm: Algorithm.Argon2id, memoryCost: 8, timeCost: 1, parallelism: 1 } as const;

/**
 * The real application, in-process, on a database of its own built by the real migrations
 * (SQLite in memory, or a fresh PostgreSQL database under npm run test:postgres). `env` overrides
 * variables for this app only (it is handed to createApp, process.env is never changed); a
 * DATABASE_URL given there is used as it is and not dropped.
 * `imports`: feature modules mounted beside AppModule (test/feature.example.ts).
 */
export async function startApp(env: Record<string, string> = {}, imports: Type[] = [], options: StartOptions = {}): Promise<TestApp> {
  const database = env.DATABASE_URL ? null : await createTestDatabase();
  const redis = createTestRedis();
  try {
    const config = testEnv({ DATABASE_URL: database?.url, ...redis.env, ...env });
    options.config?.(config);
    const app = await createApp({ logger: false, imports, env: config });
    if (!options.productionHashing) cheapHashing(app.get(PasswordHasher));
    await app.getHttpAdapter().getInstance().ready();
    const http = request.agent(app.getHttpServer());
    return {
      app,
      http,
      async close() {
        await app.close();
        await database?.drop();
        await redis.clear();
      },
    };
  } catch (error) {
    await database?.drop();
    throw error;
  }
}

/** The environment of a test app: the process's (engines.ts sets what a whole run shares), then this app's. */
export function testEnv(env: Record<string, string | undefined> = {}) {
  return loadEnv({ ...process.env, LOG_LEVEL: 'silent', ...UNLIMITED_ADDRESS, ...env });
}

function cheapHashing(hasher: PasswordHasher): void {
  hasher.hash = (password) => hash(password, CHEAP_ARGON2ID);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ListeningApp extends TestApp {
  /** `http://127.0.0.1:<port>`, which is also the issuer. */
  url: string;
}

/** The real app listening on 127.0.0.1, its issuer its own URL, for clients that speak HTTP themselves. */
export async function startListeningApp(env: Record<string, string> = {}, imports: Type[] = [], options: StartOptions = {}): Promise<ListeningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await startApp({ PORT: String(port), AUTH_ISSUER: url, ...env }, imports, options);
  await t.app.listen(port, '127.0.0.1');
  return { ...t, url };
}
