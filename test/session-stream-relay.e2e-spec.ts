import { createTestDatabase, createTestRedis, postgresUrl, redisUrl, TestDatabase, TestRedis } from './support/engines';
import { bearerHeader, httpCall } from './support/http-client';
import { ServerProcess, startServerProcess } from './support/server-process';
import { openStream } from './support/session-stream-client';

/**
 * The per-device stream across two instances (separate processes of the built server) on one
 * PostgreSQL database and one Redis: what happens on B reaches A's streams through the relay.
 * Skipped without PostgreSQL and Redis; one instance without Redis is test/session-stream.e2e-spec.ts.
 */
const enabled = Boolean(postgresUrl && redisUrl);

(enabled ? describe : describe.skip)('GET /clients/current/events across two instances', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    // A long client cache: only the relay, not a cache expiry, can tell A that B ended a client.
    const env = {
      DATABASE_URL: database.url,
      ...redis.env,
      AUTH_ISSUER: 'https://auth.example.test',
      AUTH_CLIENT_CACHE_TTL: '10m',
      AUTH_EVENT_STREAMS_PER_CLIENT: '1',
    };
    // Healthy means subscribed too (RedisService.isUp). An instance could report healthy while deaf
    // to the other: its SUBSCRIBE not yet confirmed, or dropped by ioredis for good (test/outages).
    const started = await Promise.allSettled([startServerProcess(env), startServerProcess(env)]);
    // Should one not start, afterAll still stops the other: a process left running would hold jest open.
    [a, b] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined!));
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
    await redis?.clear();
  });

  let counter = 0;
  async function signUpOn(server: ServerProcess) {
    counter += 1;
    const credentials = { username: `relay_${counter}_${Date.now()}`, password: 'correct horse battery' };
    const created = await httpCall(server.url, 'POST', '/users', credentials);
    expect(created.status).toBe(201);
    return { ...credentials, id: created.body.id as string };
  }
  async function loginOn(server: ServerProcess, user: { username: string; password: string }) {
    const login = await httpCall(server.url, 'POST', '/auth?permanent=true', { username: user.username, password: user.password });
    expect(login.status).toBe(200);
    return { accessToken: login.body.token.accessToken as string, clientId: login.body.user.clientId as string };
  }

  it('a stream on A sees a sign-in on B, then its own ending on B, and closes', async () => {
    const user = await signUpOn(a);
    const phone = await loginOn(a, user);
    const stream = await openStream(a.url, bearerHeader(phone.accessToken));
    expect(stream.status).toBe(200);

    const laptop = await loginOn(b, user);
    await stream.next(1);
    expect(stream.events[0]).toEqual({ type: 'session.created', data: expect.objectContaining({ clientId: laptop.clientId, current: false }) });
    expect(stream.events[0].data.data).toMatchObject({ origin: { ip: '127.0.0.1' } });

    expect((await httpCall(b.url, 'DELETE', `/clients/${phone.clientId}`, undefined, bearerHeader(laptop.accessToken))).status).toBe(204);
    // The ending event first, then the server ends the response; each event once.
    await expect(stream.ended).resolves.toBe('end');
    expect(stream.events.map((e) => [e.type, e.data.clientId, e.data.current])).toEqual([
      ['session.created', laptop.clientId, false],
      ['session.ended', phone.clientId, true],
    ]);
    expect(stream.events[1].data.data).toMatchObject({ reason: 'revoked' });
  });

  it('a stream on B sees the events caused on B once, not again through Redis', async () => {
    const user = await signUpOn(b);
    const phone = await loginOn(b, user);
    const stream = await openStream(b.url, bearerHeader(phone.accessToken));
    await loginOn(b, user);
    await loginOn(a, user);
    await stream.next(2);
    expect((await httpCall(b.url, 'POST', '/auth/logout', undefined, bearerHeader(phone.accessToken))).status).toBe(204);
    await stream.ended;
    expect(stream.events.map((e) => e.type)).toEqual(['session.created', 'session.created', 'session.ended']);
  });

  it('the caps count the streams of each instance', async () => {
    const user = await signUpOn(a);
    const phone = await loginOn(a, user);
    const first = await openStream(a.url, bearerHeader(phone.accessToken));
    const second = await openStream(a.url, bearerHeader(phone.accessToken));
    expect([first.status, second.status]).toEqual([200, 429]);
    const elsewhere = await openStream(b.url, bearerHeader(phone.accessToken));
    expect(elsewhere.status).toBe(200);
    first.close();
    elsewhere.close();
  });
});
