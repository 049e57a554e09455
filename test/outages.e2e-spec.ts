import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Test } from 'supertest';
import { SessionRelayService } from '../src/events/session-relay.service';
import { RedisService } from '../src/redis/redis.service';
import { startApp, TestApp } from './support/app';
import { createTestDatabase, postgresUrl, redisUrl, TestDatabase } from './support/engines';
import { bearer, credentials } from './support/factories';
import { TcpProxy } from './support/tcp-proxy';

/*
 * A dependency that stalls (accepts, never answers) or refuses must never hold a request: every
 * request below must complete before its own 5 s abort, with the answer docs/operations.md promises.
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

(redisUrl ? describe : describe.skip)('Redis and the other instances', () => {
  afterEach(() => jest.restoreAllMocks());

  /** A message on the session relay's channel, as another instance publishes it. */
  async function publishFromAnotherInstance(t: TestApp, userId: string): Promise<number> {
    const other = new Redis(redisUrl!);
    try {
      const event = { id: randomUUID(), type: 'session.created', occurredAt: new Date().toISOString(), userId, data: {} };
      return await other.publish(t.app.get(RedisService).key('session-events'), JSON.stringify({ from: 'another-instance', event }));
    } finally {
      other.disconnect();
    }
  }

  it('/health says 503 until this instance hears the others (its SUBSCRIBEs confirmed)', async () => {
    let confirm!: () => void;
    const confirmed = new Promise<void>((resolve) => (confirm = resolve));
    const subscribe = Redis.prototype.subscribe;
    jest.spyOn(Redis.prototype, 'subscribe').mockImplementation(function (this: Redis, ...args: Parameters<Redis['subscribe']>) {
      return confirmed.then(() => subscribe.apply(this, args));
    } as Redis['subscribe']);
    const t = await startApp();
    try {
      const health = await within(t.http.get('/health')).expect(503);
      expect(health.body.details).toMatchObject({ redis: { status: 'down' }, database: { status: 'up' } });
      confirm();
      await untilHealthy(t);
    } finally {
      await t.close();
    }
  });

  it('a subscribe() while the subscriber connection comes up is heard, and so is the one before it', async () => {
    const redis = new RedisService({ url: redisUrl!, keyPrefix: `ra-test-${randomUUID()}:` });
    const other = new Redis(redisUrl!);
    try {
      const heard: string[] = [];
      redis.subscribe('first', (message) => heard.push(`first ${message}`));
      // Between connect and ready: where a second module's subscribe() lands when Redis is slow to answer.
      (redis as unknown as { subscriber: Redis }).subscriber.once('connect', () =>
        redis.subscribe('second', (message) => heard.push(`second ${message}`)),
      );
      for (let wait = 0; wait < 50 && !(await redis.isUp()); wait++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await redis.isUp()).toBe(true);
      expect([await other.publish(redis.key('first'), 'a'), await other.publish(redis.key('second'), 'b')]).toEqual([1, 1]);
      for (let wait = 0; wait < 50 && heard.length < 2; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard.sort()).toEqual(['first a', 'second b']);
    } finally {
      other.disconnect();
      await redis.onApplicationShutdown();
    }
  });

  it('unreachable at start: once it is back, this instance hears the others', async () => {
    const proxy = await TcpProxy.to(redisUrl!);
    await proxy.refuse();
    const t = await startApp({ REDIS_URL: proxy.urlFor(redisUrl!) });
    try {
      // Past ioredis's second failed attempt, when a SUBSCRIBE with a retry limit would be dropped for good.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await within(t.http.get('/health')).expect(503);
      await proxy.restore();
      await untilHealthy(t);
      const heard: string[] = [];
      t.app.get(SessionRelayService).onDelivery((event) => heard.push(event.userId!));
      expect(await publishFromAnotherInstance(t, 'user-1')).toBe(1);
      for (let wait = 0; wait < 50 && heard.length === 0; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard).toEqual(['user-1']);
    } finally {
      await t.close();
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
    t = await startApp({
      DATABASE_URL: proxy.urlFor(database.url),
      DATABASE_QUERY_TIMEOUT: '1s',
      DATABASE_CONNECT_TIMEOUT: '1s',
      AUTH_CLIENT_CACHE_TTL: '0',
    });
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
    ['stalled', async (p: TcpProxy) => p.freeze()],
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
