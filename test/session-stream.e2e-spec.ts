import { ListeningApp, startListeningApp } from './support/app';
import { SessionNotifierService } from '../src/auth';
import { bearer, login, Session, signUp } from './support/factories';
import { DeviceHistoryModule } from './feature.example';
import { openStream } from './support/session-stream-client';

describe('GET /clients/current/events (API.md section 9: the per-device stream)', () => {
  let t: ListeningApp;
  beforeAll(async () => {
    t = await startListeningApp({ AUTH_EVENT_STREAMS_PER_CLIENT: '2', AUTH_EVENT_STREAMS_PER_USER: '3', AUTH_EVENT_STREAM_KEEPALIVE: '1s' }, [
      DeviceHistoryModule,
    ]);
  });
  afterAll(() => t.close());

  async function device(user: { username: string; password: string }, name: string): Promise<Session> {
    return login(t.http, user, true, name);
  }

  it('needs an access token', async () => {
    const stream = await openStream(t.url, {});
    expect(stream.status).toBe(401);
    await stream.ended;
  });

  it('carries the events of the caller’s user only, marks the calling client, and ends when it ends', async () => {
    const alice = await signUp(t.http);
    const phone = await device(alice, 'phone');
    const stream = await openStream(t.url, bearer(phone));
    expect(stream.status).toBe(200);
    // Proxies must neither buffer nor store a stream.
    expect(stream.headers).toMatchObject({
      'content-type': 'text/event-stream',
      'x-accel-buffering': 'no',
      'cache-control': expect.stringContaining('no-store'),
    });
    const bob = await signUp(t.http);
    await device(bob, 'bob');
    const laptop = await device(alice, 'laptop');
    await stream.next(1);
    expect(stream.events[0]).toEqual({
      type: 'session.created',
      data: expect.objectContaining({ clientId: laptop.clientId, userId: alice.id, current: false }),
    });

    // Not session.refreshed: streaming it would cost every refresh (docs/events.md).
    await t.http.post('/token').send({ refreshToken: laptop.refreshToken! }).expect(201);
    await t.http.delete(`/clients/${phone.clientId}`).set(bearer(laptop)).expect(204);
    await stream.ended;
    expect(stream.events.map((e) => [e.type, e.data.clientId, e.data.current])).toEqual([
      ['session.created', laptop.clientId, false],
      ['session.ended', phone.clientId, true],
    ]);
    expect(stream.body).not.toContain(laptop.accessToken);
  });

  it('takes the access cookie of cookie mode', async () => {
    const dave = await signUp(t.http);
    const response = await t.http
      .post('/auth')
      .set('x-session-transport', 'cookie')
      .send({ username: dave.username, password: dave.password })
      .expect(200);
    const cookie = ([] as string[])
      .concat(response.headers['set-cookie'] ?? [])
      .map((line) => line.split(';')[0])
      .join('; ');
    const stream = await openStream(t.url, { cookie });
    expect(stream.status).toBe(200);
    await t.http.post('/auth/logout').set('x-session-transport', 'cookie').set('cookie', cookie).set('origin', t.url).expect(204);
    await stream.ended;
    expect(stream.events).toEqual([
      {
        type: 'session.ended',
        data: expect.objectContaining({ userId: dave.id, current: true, data: expect.objectContaining({ reason: 'logout' }) }),
      },
    ]);
  });

  it('at most AUTH_EVENT_STREAMS_PER_CLIENT per client and AUTH_EVENT_STREAMS_PER_USER per user: then 429', async () => {
    const carol = await signUp(t.http);
    const [a, b] = [await device(carol, 'a'), await device(carol, 'b')];
    const open = [await openStream(t.url, bearer(a)), await openStream(t.url, bearer(a))];
    const third = await openStream(t.url, bearer(a));
    expect(third.status).toBe(429);
    await third.ended;
    expect(JSON.parse(third.body)).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    open.push(await openStream(t.url, bearer(b)));
    const fourth = await openStream(t.url, bearer(b));
    expect(fourth.status).toBe(429);
    await fourth.ended;

    open[0].close();
    await open[0].ended;
    // The closed stream no longer counts (the server notices the disconnect).
    let again = await openStream(t.url, bearer(b));
    for (let attempt = 0; again.status === 429 && attempt < 20; attempt++) {
      await again.ended;
      await new Promise((resolve) => setImmediate(resolve));
      again = await openStream(t.url, bearer(b));
    }
    expect(again.status).toBe(200);
    for (const stream of [...open, again]) stream.close();
  });

  it('sends a keep-alive comment every AUTH_EVENT_STREAM_KEEPALIVE', async () => {
    const erin = await signUp(t.http);
    const stream = await openStream(t.url, bearer(await device(erin, 'phone')));
    expect(stream.status).toBe(200);
    // The first comment says "connected"; the keep-alives are empty comments, one per second here.
    await stream.until((body) => (body.match(/^:\s*$/gm) ?? []).length >= 2);
    stream.close();
  });

  it('carries notifications: toUser to every device of the user, toClient to that device only', async () => {
    const frank = await signUp(t.http);
    const [phone, laptop] = [await device(frank, 'phone'), await device(frank, 'laptop')];
    const [onPhone, onLaptop] = [await openStream(t.url, bearer(phone)), await openStream(t.url, bearer(laptop))];
    const stranger = await openStream(t.url, bearer(await device(await signUp(t.http), 'other')));
    const notifier = t.app.get(SessionNotifierService);
    notifier.toClient(laptop.clientId, 'app.sync', { folder: 'inbox' });
    notifier.toUser(frank.id, 'app.news', { count: 2 });
    await Promise.all([onPhone.next(1), onLaptop.next(2)]);
    expect(onPhone.events).toEqual([{ type: 'app.news', data: expect.objectContaining({ userId: frank.id, current: false, data: { count: 2 } }) }]);
    expect(onLaptop.events).toEqual([
      { type: 'app.sync', data: expect.objectContaining({ clientId: laptop.clientId, current: true, data: { folder: 'inbox' } }) },
      { type: 'app.news', data: expect.objectContaining({ userId: frank.id, current: false, data: { count: 2 } }) },
    ]);
    expect(() => notifier.toUser(frank.id, 'session.ended', {})).toThrow(/notification type/);
    expect(() => notifier.toUser(frank.id, 'app.big', 'x'.repeat(20_000))).toThrow(/bytes/);
    // The guide's example (docs/extending.md, test/feature.example.ts) waves at the user's devices.
    await t.http.post('/device-history/wave').set(bearer(phone)).expect(202);
    await onLaptop.next(3);
    expect(onLaptop.events[2]).toEqual({ type: 'app.wave', data: expect.objectContaining({ data: { from: phone.clientId } }) });
    expect(stranger.events).toEqual([]);
    for (const stream of [onPhone, onLaptop, stranger]) stream.close();
  });
});

describe('GET /clients/current/events at shutdown', () => {
  it('open streams end as the drain starts, so they do not hold the shutdown', async () => {
    const t = await startListeningApp();
    const grace = await signUp(t.http);
    const stream = await openStream(t.url, bearer(await login(t.http, grace, true)));
    expect(stream.status).toBe(200);
    await t.close();
    // Ended by the server (the last chunk sent), not cut when the drain gave up.
    await expect(stream.ended).resolves.toBe('end');
  });
});
