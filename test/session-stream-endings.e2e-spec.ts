import { EventEmitter2 } from '@nestjs/event-emitter';
import { AdminUsersService } from '../src/admin/admin-users.service';
import type { SessionEvent } from '../src/events';
import { userWithRoles } from './support/admin-helpers';
import { ListeningApp, startApp, startListeningApp } from './support/app';
import { controlAppClock, ManualClock } from './support/clock';
import { bearer, login, signUp } from './support/factories';
import { openStream } from './support/session-stream-client';

/*
 * A stream ends with what authorised it (issue 24, items 3, 6, 9 and 12): at its access token's exp
 * (a non-permanent client's deadline too), when its user is deleted or disabled, and it is not open
 * to a cross-site page holding the victim's cookie. The same across two instances:
 * test/session-stream-endings-relay.e2e-spec.ts.
 */
const APP_ORIGIN = 'http://app.example.test';

describe('GET /clients/current/events: a stream ends with what authorised it', () => {
  let t: ListeningApp;
  let clock: ManualClock;
  beforeAll(async () => {
    t = await startListeningApp({ AUTH_ACCESS_TTL: '5m', AUTH_EVENT_STREAM_KEEPALIVE: '1s', AUTH_COOKIE_SECURE: 'false', CORS_ORIGINS: APP_ORIGIN });
    clock = controlAppClock(t.app);
  });
  afterAll(() => t.close());

  it('ends at its access token’s exp and never delivers what happens after it (the next sign-in’s address)', async () => {
    const alice = await signUp(t.http);
    const phone = await login(t.http, alice, true, 'phone');
    const stream = await openStream(t.url, bearer(phone));
    expect(stream.status).toBe(200);

    clock.advance(5 * 60_000);
    await login(t.http, alice, true, 'attacker-watched sign-in');
    await expect(stream.ended).resolves.toBe('end');
    expect(stream.events).toEqual([]);
    expect(stream.body).not.toContain('attacker-watched');
  });

  it('ends at a non-permanent client’s deadline with no event to carry (the keep-alive checks too)', async () => {
    const bob = await signUp(t.http);
    const tab = await login(t.http, bob, false, 'tab');
    const stream = await openStream(t.url, bearer(tab));
    expect(stream.status).toBe(200);
    clock.advance(5 * 60_000);
    await expect(stream.ended).resolves.toBe('end');
  });

  it('refuses a token already past its exp (within the clock tolerance) with 401 expired, not an empty stream', async () => {
    const carol = await signUp(t.http);
    const phone = await login(t.http, carol);
    clock.advance(5 * 60_000 + 1_000);
    const stream = await openStream(t.url, bearer(phone));
    expect(stream.status).toBe(401);
    await stream.ended;
    expect(JSON.parse(stream.body)).toMatchObject({ statusCode: 401, reason: 'expired' });
  });

  it('ends when its user is disabled', async () => {
    const { session: admin } = await userWithRoles(t, ['admin']);
    const dave = await signUp(t.http);
    const stream = await openStream(t.url, bearer(await login(t.http, dave)));
    await t.http.patch(`/admin/users/${dave.id}`).set(bearer(admin)).send({ disabled: true }).expect(200);
    await expect(stream.ended).resolves.toBe('end');
    expect(stream.events.map((e) => [e.type, e.data.current])).toEqual([['session.ended', true]]);
  });

  it('deleting a user (admin API) sends session.ended for each client, reason user_deleted, and ends their streams', async () => {
    const { session: admin } = await userWithRoles(t, ['admin']);
    const erin = await signUp(t.http);
    const [phone, laptop] = [await login(t.http, erin, true, 'phone'), await login(t.http, erin, false, 'laptop')];
    const streams = [await openStream(t.url, bearer(phone)), await openStream(t.url, bearer(laptop))];
    const heard: SessionEvent[] = [];
    const listener = (event: SessionEvent) => heard.push(event);
    t.app.get(EventEmitter2).on('session.ended', listener);
    try {
      await t.http.delete(`/admin/users/${erin.id}`).set(bearer(admin)).expect(204);
    } finally {
      t.app.get(EventEmitter2).off('session.ended', listener);
    }
    expect(heard.map((e) => e.clientId).sort()).toEqual([phone.clientId, laptop.clientId].sort());
    for (const event of heard) expect(event).toMatchObject({ userId: erin.id, data: { reason: 'user_deleted', by: { kind: 'admin' } } });
    for (const stream of streams) await expect(stream.ended).resolves.toBe('end');
    expect(streams[0].events.find((e) => e.data.current)).toMatchObject({
      type: 'session.ended',
      data: { clientId: phone.clientId, data: { reason: 'user_deleted' } },
    });
  });

  it('deleting a user from the CLI does the same, once per client', async () => {
    const frank = await signUp(t.http);
    const phone = await login(t.http, frank);
    const stream = await openStream(t.url, bearer(phone));
    const heard: SessionEvent[] = [];
    const listener = (event: SessionEvent) => heard.push(event);
    t.app.get(EventEmitter2).on('session.ended', listener);
    try {
      await t.app.get(AdminUsersService).delete({ kind: 'cli' }, frank.id); // what `cli delete-user` runs
      await expect(t.app.get(AdminUsersService).delete({ kind: 'cli' }, frank.id)).rejects.toMatchObject({ status: 404 });
    } finally {
      t.app.get(EventEmitter2).off('session.ended', listener);
    }
    expect(heard).toEqual([expect.objectContaining({ clientId: phone.clientId, data: { reason: 'user_deleted', by: { kind: 'cli' } } })]);
    await expect(stream.ended).resolves.toBe('end');
  });

  it('refuses undeclared query fields with 400, like every route', async () => {
    const gina = await signUp(t.http);
    const stream = await openStream(t.url, bearer(await login(t.http, gina)), '?since=0');
    expect(stream.status).toBe(400);
    await stream.ended;
    expect(JSON.parse(stream.body)).toMatchObject({ statusCode: 400, message: ['property since should not exist'] });
  });

  describe('cookie-authenticated streams and cross-site pages (API.md §7’s Origin rule)', () => {
    async function cookieOf(user: { username: string; password: string }): Promise<string> {
      const response = await t.http
        .post('/auth')
        .set('x-session-transport', 'cookie')
        .send({ username: user.username, password: user.password })
        .expect(200);
      return ([] as string[])
        .concat(response.headers['set-cookie'] ?? [])
        .map((line) => line.split(';')[0])
        .join('; ');
    }

    it('a page on another port of the same host gets 403 csrf and holds no slot', async () => {
      const hank = await signUp(t.http);
      const cookie = await cookieOf(hank);
      const sibling = t.url.replace(/:(\d+)$/, (_m, port: string) => `:${Number(port) + 1}`);
      for (let i = 0; i < 3; i++) {
        const refused = await openStream(t.url, { cookie, origin: sibling });
        expect(refused.status).toBe(403);
        await refused.ended;
        expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 403, reason: 'csrf' });
      }
      const page = await openStream(t.url, { cookie, origin: t.url });
      expect(page.status).toBe(200);
      page.close();
    });

    it('a no-cors request from another site (no Origin; Fetch Metadata says same-site or cross-site) gets 403 csrf', async () => {
      const jill = await signUp(t.http);
      const cookie = await cookieOf(jill);
      for (const site of ['same-site', 'cross-site']) {
        const refused = await openStream(t.url, { cookie, 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors' });
        expect(refused.status).toBe(403);
        await refused.ended;
        expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 403, reason: 'csrf' });
      }
      // The page's own request (the SDK's fetch) says same-origin.
      const page = await openStream(t.url, { cookie, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' });
      expect(page.status).toBe(200);
      page.close();
      await page.ended;
    });

    it('admits its own origin, CORS_ORIGINS, no Origin at all, and Bearer requests from anywhere', async () => {
      const ivy = await signUp(t.http);
      const cookie = await cookieOf(ivy);
      for (const headers of [{ cookie, origin: APP_ORIGIN }, { cookie }] as Record<string, string>[]) {
        const stream = await openStream(t.url, headers);
        expect(stream.status).toBe(200);
        stream.close();
        await stream.ended;
      }
      const session = await login(t.http, ivy);
      const stream = await openStream(t.url, { ...bearer(session), origin: 'http://elsewhere.example' });
      expect(stream.status).toBe(200);
      stream.close();
    });
  });
});

describe('GET /clients/current/events: AUTH_EVENT_STREAMS_PER_INSTANCE', () => {
  let t: ListeningApp;
  beforeAll(async () => {
    t = await startListeningApp({ AUTH_EVENT_STREAMS_PER_INSTANCE: '2' });
  });
  afterAll(() => t.close());

  it('caps the streams of one instance, whoever opens them: then 429 until one closes', async () => {
    const users = [await signUp(t.http), await signUp(t.http), await signUp(t.http)];
    const sessions = [];
    for (const user of users) sessions.push(await login(t.http, user));
    const open = [await openStream(t.url, bearer(sessions[0])), await openStream(t.url, bearer(sessions[1]))];
    const third = await openStream(t.url, bearer(sessions[2]));
    expect(third.status).toBe(429);
    await third.ended;
    expect(JSON.parse(third.body)).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });

    open[0].close();
    await open[0].ended;
    let again = await openStream(t.url, bearer(sessions[2]));
    for (let attempt = 0; again.status === 429 && attempt < 20; attempt++) {
      await again.ended;
      await new Promise((resolve) => setImmediate(resolve));
      again = await openStream(t.url, bearer(sessions[2]));
    }
    expect(again.status).toBe(200);
    again.close();
    open[1].close();
  });

  it('is bounded at start: 0 or more than 1,000,000 stops the app, naming it', async () => {
    for (const value of ['0', '1000001', 'many']) {
      await expect(startApp({ AUTH_EVENT_STREAMS_PER_INSTANCE: value })).rejects.toThrow(/AUTH_EVENT_STREAMS_PER_INSTANCE/);
    }
  });
});

describe('GET /clients/current/events: the end at exp without a moved clock', () => {
  let t: ListeningApp;
  beforeAll(async () => {
    t = await startListeningApp({ AUTH_ACCESS_TTL: '1s', AUTH_EVENT_STREAM_KEEPALIVE: '10m' });
  });
  afterAll(() => t.close());

  it('a timer ends the stream when its token expires, with no event and no keep-alive to wake it', async () => {
    const jane = await signUp(t.http);
    const stream = await openStream(t.url, bearer(await login(t.http, jane)));
    expect(stream.status).toBe(200);
    await expect(stream.ended).resolves.toBe('end');
  });
});
