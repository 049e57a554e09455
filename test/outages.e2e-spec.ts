import type { Test } from 'supertest';
import { startApp, TestApp } from './app';
import { createTestDatabase, postgresUrl, redisUrl, TestDatabase } from './engines';
import { bearer, credentials } from './factories';
import { TcpProxy } from './tcp-proxy';

/*
 * A dependency that stalls (accepts, never answers) or refuses must never hold a request: every
 * request below must complete before its own 5 s abort, with the answer the README promises.
 * The outages are played by a TCP proxy in front of the shared services, never on the services.
 */
const BOUND_MS = 5000;
const within = (test: Test) => test.timeout(BOUND_MS);

async function loginAs(t: TestApp, user: { username: string; password: string }) {
  const { body } = await within(t.http.post('/auth?permanent=true').send(user)).expect(200);
  return { accessToken: body.token.accessToken as string, refreshToken: body.token.refreshToken as string, clientId: body.user.clientId as string };
}

/** Polls /health until it says 200: the pool reconnects on its own, in its own time. */
async function untilHealthy(t: TestApp): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if ((await within(t.http.get('/health'))).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('/health never came back to 200');
}

(redisUrl ? describe : describe.skip)('a stalled Redis', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  beforeAll(async () => {
    proxy = await TcpProxy.to(redisUrl!);
    t = await startApp({ REDIS_URL: proxy.urlFor(redisUrl!) });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  it('holds up no login, refresh or logout, and /health answers 503 at once', async () => {
    const user = credentials();
    await within(t.http.post('/users').send(user)).expect(201);
    await untilHealthy(t);
    proxy.freeze();
    try {
      const session = await loginAs(t, user);
      const refreshed = await within(t.http.post('/token').send({ refreshToken: session.refreshToken })).expect(201);
      const accessToken = refreshed.body.token.accessToken as string;
      await within(t.http.post('/auth/logout').set(bearer({ ...session, accessToken }))).expect(204);
      // The logout happened in the database, whatever became of its news.
      await within(t.http.get('/me').set(bearer({ ...session, accessToken }))).expect(401);
      const failed = await within(t.http.post('/auth').send({ ...user, password: 'wrong password' }));
      expect(failed.status).toBe(401);
      const health = await within(t.http.get('/health')).expect(503);
      expect(health.body.details).toMatchObject({ redis: { status: 'down' }, database: { status: 'up' } });
    } finally {
      await proxy.restore();
    }
    await untilHealthy(t);
  });
});

(redisUrl ? describe : describe.skip)('a Redis that stalls at shutdown', () => {
  it('does not hold the shutdown', async () => {
    const proxy = await TcpProxy.to(redisUrl!);
    const t = await startApp({ REDIS_URL: proxy.urlFor(redisUrl!) });
    try {
      await untilHealthy(t);
      proxy.freeze();
      const abort = new Promise((_resolve, reject) => setTimeout(() => reject(new Error('shutdown held past 5 s')), BOUND_MS).unref());
      await expect(Promise.race([t.close(), abort])).resolves.toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});

(postgresUrl ? describe : describe.skip)('PostgreSQL stalled or refusing', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await TcpProxy.to(database.url);
    // The cache would answer guarded requests without the database: read it on every request.
    t = await startApp({ DATABASE_URL: proxy.urlFor(database.url), DATABASE_QUERY_TIMEOUT: '1s', DATABASE_CONNECT_TIMEOUT: '1s', AUTH_CLIENT_CACHE_TTL: '0' });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await database?.drop();
  });

  async function expectUnavailable(test: Test) {
    const response = await within(test).expect(503);
    expect(response.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
    expect(response.body.message).not.toMatch(/select|insert|update|from|ECONN|timeout exceeded|postgres/i);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  }

  it.each([
    ['stalled', (p: TcpProxy) => p.freeze()],
    ['refusing connections', (p: TcpProxy) => p.refuse()],
  ])('while %s: 503 with Retry-After on public and guarded routes; afterwards everything is there', async (_name, outage) => {
    const user = credentials();
    await within(t.http.post('/users').send(user)).expect(201);
    const session = await loginAs(t, user);
    await outage(proxy);
    try {
      const health = await within(t.http.get('/health')).expect(503);
      expect(health.body.details.database.status).toBe('down');
      await expectUnavailable(t.http.post('/auth').send(user));
      await expectUnavailable(t.http.post('/token').send({ refreshToken: session.refreshToken }));
      await expectUnavailable(t.http.get('/me').set(bearer(session)));
      await expectUnavailable(t.http.post('/users').send(credentials()));
    } finally {
      await proxy.restore();
    }
    // Back: the same session refreshes (no refresh was lost or half-done), and logins work.
    await untilHealthy(t);
    await within(t.http.get('/me').set(bearer(session))).expect(200);
    await within(t.http.post('/token').send({ refreshToken: session.refreshToken })).expect(201);
    await loginAs(t, user);
  });
});
