import { userWithRoles } from './support/admin-helpers';
import { ListeningApp, startListeningApp } from './support/app';
import { controlAppClock } from './support/clock';
import { createTestDatabase, createTestRedis, postgresUrl, redisUrl, TestDatabase, TestRedis } from './support/engines';
import { bearer, login, signUp } from './support/factories';
import { openStream } from './support/session-stream-client';

/**
 * Streams end with what authorised them on every instance: two in-process instances on one
 * PostgreSQL database and one Redis (each with its own clock), as behind a load balancer. A deletion
 * or disabling on B ends the user's streams on A; A's streams end at their tokens' exp by A's clock.
 * Skipped without PostgreSQL and Redis; one instance is test/session-stream-endings.e2e-spec.ts.
 */
const enabled = Boolean(postgresUrl && redisUrl);

(enabled ? describe : describe.skip)('GET /clients/current/events endings across two instances', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let a: ListeningApp;
  let b: ListeningApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    // A long client cache: only the relay, not a cache expiry, can tell A what B did.
    const env = { DATABASE_URL: database.url, ...redis.env, AUTH_CLIENT_CACHE_TTL: '10m', AUTH_EVENT_STREAM_KEEPALIVE: '1s' };
    a = await startListeningApp(env);
    b = await startListeningApp(env);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    await redis?.clear();
  });

  it('deleting the user on B sends session.ended (user_deleted) to A’s streams once per client, and ends them', async () => {
    const { session: admin } = await userWithRoles(b, ['admin']);
    const user = await signUp(a.http);
    const [phone, laptop] = [await login(a.http, user, true, 'phone'), await login(a.http, user, true, 'laptop')];
    const streams = [await openStream(a.url, bearer(phone)), await openStream(a.url, bearer(laptop))];
    for (const stream of streams) expect(stream.status).toBe(200);

    await b.http.delete(`/admin/users/${user.id}`).set(bearer(admin)).expect(204);
    for (const stream of streams) await expect(stream.ended).resolves.toBe('end');
    // Each stream ends on its own client's ending (the first one ended may not hear the second's).
    for (const [stream, device] of [
      [streams[0], phone],
      [streams[1], laptop],
    ] as const) {
      const endings = stream.events.filter((e) => e.type === 'session.ended');
      expect(new Set(endings.map((e) => e.data.clientId)).size).toBe(endings.length);
      expect(endings.at(-1)).toMatchObject({
        data: { clientId: device.clientId, current: true, data: { reason: 'user_deleted', by: { kind: 'admin' } } },
      });
    }
  });

  it('disabling the user on B ends their streams on A', async () => {
    const { session: admin } = await userWithRoles(b, ['admin']);
    const user = await signUp(a.http);
    const stream = await openStream(a.url, bearer(await login(a.http, user)));
    await b.http.patch(`/admin/users/${user.id}`).set(bearer(admin)).send({ disabled: true }).expect(200);
    await expect(stream.ended).resolves.toBe('end');
    expect(stream.events.map((e) => [e.type, e.data.current])).toEqual([['session.ended', true]]);
  });

  it('a stream on A ends at its token’s exp, and never carries a sign-in that B relays after it', async () => {
    const clock = controlAppClock(a.app);
    const user = await signUp(a.http);
    const stream = await openStream(a.url, bearer(await login(a.http, user)));
    expect(stream.status).toBe(200);
    clock.advance(15 * 60_000);
    await login(b.http, user, true, 'seen after exp');
    await expect(stream.ended).resolves.toBe('end');
    expect(stream.body).not.toContain('seen after exp');
  });
});
