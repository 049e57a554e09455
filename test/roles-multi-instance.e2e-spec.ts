import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, createTestRedis, postgresUrl, redisUrl, TestDatabase, TestRedis } from './support/engines';
import { bearerHeader, httpCall } from './support/http-client';
import { ServerProcess, startServerProcess } from './support/server-process';

/**
 * A role taken on one instance stops working on another within the revocation bound: through
 * Redis's news, long before the client-state cache (10 minutes here) would expire. Runs under
 * npm run test:postgres; skipped without PostgreSQL and Redis.
 */
const enabled = Boolean(postgresUrl && redisUrl);

(enabled ? describe : describe.skip)('roles across two instances on one PostgreSQL and one Redis', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let env: Record<string, string>;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    env = { DATABASE_URL: database.url, ...redis.env, AUTH_ISSUER: 'https://auth.example.test', AUTH_CLIENT_CACHE_TTL: '10m' };
    a = await startServerProcess(env);
    b = await startServerProcess(env);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
    await redis?.clear();
  });

  const call = (server: ServerProcess, method: string, path: string, body?: unknown, accessToken?: string) =>
    httpCall(server.url, method, path, body, bearerHeader(accessToken));
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [join(__dirname, '..', 'dist', 'src', 'cli.js'), ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  async function adminOn(server: ServerProcess, username: string) {
    const credentials = { username, password: 'correct horse battery' };
    const created = await call(server, 'POST', '/users', credentials);
    expect(created.status).toBe(201);
    expect(cli(['grant-role', username, 'admin']).status).toBe(0);
    const login = await call(server, 'POST', '/auth', credentials);
    return { id: created.body.id as string, accessToken: login.body.token.accessToken as string };
  }

  async function refusedOn(server: ServerProcess, accessToken: string): Promise<number> {
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 403; attempt += 1) {
      status = (await call(server, 'GET', '/admin/users', undefined, accessToken)).status;
      if (status !== 403) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return status;
  }

  it('an admin demoted on B is refused on A, and a user disabled on B is logged out on A', async () => {
    const root = await adminOn(a, `root_${Date.now()}`);
    const demoted = await adminOn(a, `demoted_${Date.now()}`);
    expect((await call(a, 'GET', '/admin/users', undefined, demoted.accessToken)).status).toBe(200); // A caches the client and roles
    expect((await call(b, 'PATCH', `/admin/users/${demoted.id}`, { roles: [] }, root.accessToken)).status).toBe(200);
    await expect(refusedOn(a, demoted.accessToken)).resolves.toBe(403);

    expect((await call(a, 'GET', '/me', undefined, demoted.accessToken)).status).toBe(200);
    expect((await call(b, 'PATCH', `/admin/users/${demoted.id}`, { disabled: true }, root.accessToken)).status).toBe(200);
    let status = 200;
    for (let attempt = 0; attempt < 100 && status !== 401; attempt += 1) {
      status = (await call(a, 'GET', '/me', undefined, demoted.accessToken)).status;
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
  });
});
