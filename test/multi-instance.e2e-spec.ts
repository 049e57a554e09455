import { createTestDatabase, createTestRedis, postgresUrl, redisUrl, TestDatabase, TestRedis } from './support/engines';
import { bearerHeader, httpCall } from './support/http-client';
import { ServerProcess, startServerProcess } from './support/server-process';

/**
 * Two instances as separate processes (the built server) on one PostgreSQL database and one Redis,
 * as behind a load balancer. Runs under npm run test:postgres; skipped without PostgreSQL and Redis.
 */
const enabled = Boolean(postgresUrl && redisUrl);

(enabled ? describe : describe.skip)('two instances on one PostgreSQL and one Redis', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    const env = {
      DATABASE_URL: database.url,
      ...redis.env,
      AUTH_ISSUER: 'https://auth.example.test',
      AUTH_LOGIN_MAX_FAILURES_PER_USER: '4',
      // Longer than any test: an ended client can only be refused elsewhere through Redis's news.
      AUTH_CLIENT_CACHE_TTL: '10m',
    };
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

  let counter = 0;
  async function loginOn(server: ServerProcess) {
    counter += 1;
    const credentials = { username: `multi_${counter}_${Date.now()}`, password: 'correct horse battery' };
    expect((await call(server, 'POST', '/users', credentials)).status).toBe(201);
    const login = await call(server, 'POST', '/auth?permanent=true', credentials);
    expect(login.status).toBe(200);
    return { credentials, accessToken: login.body.token.accessToken as string, refreshToken: login.body.token.refreshToken as string };
  }

  it('a refresh token from A refreshes on B, and an access token from A verifies on B', async () => {
    const session = await loginOn(a);
    expect((await call(b, 'GET', '/me', undefined, session.accessToken)).status).toBe(200);
    const refreshed = await call(b, 'POST', '/token', { refreshToken: session.refreshToken });
    expect(refreshed.status).toBe(201);
    expect((await call(a, 'GET', '/me', undefined, refreshed.body.token.accessToken)).status).toBe(200);
  });

  it('20 parallel refreshes split over A and B leave exactly one live token', async () => {
    const session = await loginOn(a);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(i % 2 ? a : b, 'POST', '/token', { refreshToken: session.refreshToken })),
    );
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    const winners = results.filter((r) => r.status === 201);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    const issued = [...new Set(winners.map((r) => r.body.token.refreshToken as string))];
    expect(issued).toHaveLength(1);
    // The winner's pair works on either instance.
    expect((await call(b, 'GET', '/me', undefined, winners[0].body.token.accessToken)).status).toBe(200);
    expect((await call(a, 'POST', '/token', { refreshToken: issued[0] })).status).toBe(201);
  });

  /** Whether B refuses the access token once the news has had its chance to arrive (a bounded poll, no clock). */
  async function refusedOn(server: ServerProcess, accessToken: string): Promise<boolean> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await call(server, 'GET', '/me', undefined, accessToken)).status === 401) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  it('a client ended on A is refused on B through the news, long before the cache would expire', async () => {
    const session = await loginOn(a);
    expect((await call(b, 'GET', '/me', undefined, session.accessToken)).status).toBe(200); // B caches the client
    expect((await call(a, 'POST', '/auth/logout', undefined, session.accessToken)).status).toBe(204);
    await expect(refusedOn(b, session.accessToken)).resolves.toBe(true);
  });

  it('a token rejected on B is dead on A', async () => {
    const session = await loginOn(a);
    expect((await call(a, 'GET', '/me', undefined, session.accessToken)).status).toBe(200); // A caches the client
    expect((await call(b, 'POST', '/token/reject', { refreshToken: session.refreshToken })).status).toBe(204);
    expect((await call(a, 'POST', '/token', { refreshToken: session.refreshToken })).status).toBe(401);
    await expect(refusedOn(a, session.accessToken)).resolves.toBe(true);
  });

  it('failed logins count across both instances', async () => {
    const { credentials } = await loginOn(a);
    const wrong = { username: credentials.username, password: 'not the password' };
    expect((await call(a, 'POST', '/auth', wrong)).status).toBe(401);
    expect((await call(b, 'POST', '/auth', wrong)).status).toBe(401);
    expect((await call(a, 'POST', '/auth', wrong)).status).toBe(401);
    expect((await call(b, 'POST', '/auth', wrong)).status).toBe(401);
    // 4 failures in all, 2 on each: the shared limit of 4 is reached on both.
    expect((await call(a, 'POST', '/auth', credentials)).status).toBe(429);
    expect((await call(b, 'POST', '/auth', credentials)).status).toBe(429);
  });

  it('both report the database and Redis in GET /health', async () => {
    for (const server of [a, b]) {
      const health = await call(server, 'GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body.details).toMatchObject({ database: { status: 'up', engine: 'postgres' }, redis: { status: 'up' } });
    }
  });
});
