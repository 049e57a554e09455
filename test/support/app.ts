import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
import 'reflect-metadata';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
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

/**
 * The real application, in-process, on a database of its own built by the real migrations
 * (SQLite in memory, or a fresh PostgreSQL database under npm run test:postgres). `env` overrides
 * variables for this app only; a DATABASE_URL given there is used as it is and not dropped.
 * `imports`: feature modules mounted beside AppModule (test/feature.example.ts).
 */
export async function startApp(env: Record<string, string> = {}, imports: Type[] = []): Promise<TestApp> {
  const database = env.DATABASE_URL ? null : await createTestDatabase();
  const redis = createTestRedis();
  const saved = { ...process.env };
  Object.assign(process.env, { DATABASE_URL: database?.url, LOG_LEVEL: 'silent', ...UNLIMITED_ADDRESS, ...redis.env, ...env });
  try {
    const app = await createApp({ logger: false, imports });
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
  } finally {
    process.env = saved;
  }
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
export async function startListeningApp(env: Record<string, string> = {}, imports: Type[] = []): Promise<ListeningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await startApp({ PORT: String(port), AUTH_ISSUER: url, ...env }, imports);
  await t.app.listen(port, '127.0.0.1');
  return { ...t, url };
}
