import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { createApp } from '../src/app.factory';

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  close(): Promise<void>;
}

/**
 * The real application, in-process, on its own database built by the real migrations.
 * `env` overrides variables for this app only (short lifetimes, sign-up off, ...).
 */
export async function startApp(env: Record<string, string> = {}): Promise<TestApp> {
  const saved = { ...process.env };
  Object.assign(process.env, { DATABASE_URL: 'sqlite::memory:', ...env });
  try {
    const app = await createApp({ logger: false });
    await app.getHttpAdapter().getInstance().ready();
    const http = request.agent(app.getHttpServer());
    return { app, http, close: () => app.close() };
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
export async function startListeningApp(env: Record<string, string> = {}): Promise<ListeningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await startApp({ PORT: String(port), AUTH_ISSUER: url, ...env });
  await t.app.listen(port, '127.0.0.1');
  return { ...t, url };
}

/** A temporary SQLite file that outlives one app, for restart tests. */
export function tempDatabase(): { url: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'refresh-auth-'));
  return { url: `sqlite:${join(dir, 'test.sqlite')}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
