import { ClientStateCache } from '../src/clients/client-state.cache';
import { startApp, TestApp } from './support/app';
import { bearer, login, signUp, TestUser } from './support/factories';

describe('GET /clients, DELETE /clients/:id, DELETE /clients', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());
  // One app for the file; each test has a user of its own.
  beforeEach(async () => {
    user = await signUp(t.http);
  });

  it('lists the caller’s live clients, newest first, with the current one marked', async () => {
    const phone = await login(t.http, user, true, 'phone');
    const laptop = await login(t.http, user, false, 'laptop');
    const other = await signUp(t.http);
    await login(t.http, other);

    const { body } = await t.http.get('/clients').set(bearer(laptop)).expect(200);
    expect(body).toEqual([
      {
        id: laptop.clientId,
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        expiresAt: expect.any(String),
        userAgent: 'laptop',
        ip: expect.any(String),
        browser: null, // not a user agent a parser knows
        os: null,
        permanent: false,
        current: true,
        bound: false,
        application: null, // our own sign-in, not an application's (API.md §13)
      },
      expect.objectContaining({ id: phone.clientId, userAgent: 'phone', permanent: true, current: false }),
    ]);
    // A permanent client lives until its idle deadline; a non-permanent one with its access token.
    expect(new Date(body[1].expiresAt).getTime() - Date.now()).toBeGreaterThan(29 * 86400_000);
    expect(new Date(body[0].expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(900_000);
  });

  it('drops ended clients from the list', async () => {
    const a = await login(t.http, user);
    const b = await login(t.http, user);
    await t.http.post('/token/reject').send({ refreshToken: a.refreshToken }).expect(204);
    const { body } = await t.http.get('/clients').set(bearer(b)).expect(200);
    expect(body.map((c: { id: string }) => c.id)).toEqual([b.clientId]);
  });

  it('DELETE /clients/:id ends that client: its refresh and access tokens stop working', async () => {
    const phone = await login(t.http, user);
    const laptop = await login(t.http, user);
    await t.http.delete(`/clients/${phone.clientId}`).set(bearer(laptop)).expect(204);
    await t.http.get('/me').set(bearer(phone)).expect(401);
    await t.http.post('/token').send({ refreshToken: phone.refreshToken }).expect(401);
    await t.http.get('/me').set(bearer(laptop)).expect(200);
    await t.http.delete(`/clients/${phone.clientId}`).set(bearer(laptop)).expect(404);
  });

  it('DELETE /clients/:id of another user’s client, or an unknown id: 404, and nothing ends', async () => {
    const mine = await login(t.http, user);
    const stranger = await signUp(t.http);
    const theirs = await login(t.http, stranger);
    const { body } = await t.http.delete(`/clients/${theirs.clientId}`).set(bearer(mine)).expect(404);
    expect(body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Client not found' });
    await t.http.get('/me').set(bearer(theirs)).expect(200);
    for (const id of [
      '00000000-0000-4000-8000-000000000000',
      'not-a-uuid',
      "x' OR '1'='1",
      '\u0000',
      'é'.repeat(30),
      theirs.clientId.toUpperCase(),
    ]) {
      const answer = await t.http
        .delete(`/clients/${encodeURIComponent(id)}`)
        .set(bearer(mine))
        .expect(404);
      expect(answer.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Client not found' });
    }
    await t.http.get('/me').set(bearer(mine)).expect(200);
  });

  it('DELETE /clients ends every client of the caller but the current one', async () => {
    const a = await login(t.http, user);
    const b = await login(t.http, user, false);
    const current = await login(t.http, user);
    const stranger = await signUp(t.http);
    const theirs = await login(t.http, stranger);
    await t.http.delete('/clients').set(bearer(current)).expect(204);
    await t.http.get('/me').set(bearer(a)).expect(401);
    await t.http.get('/me').set(bearer(b)).expect(401);
    await t.http.post('/token').send({ refreshToken: a.refreshToken }).expect(401);
    await t.http.get('/me').set(bearer(current)).expect(200);
    await t.http.get('/me').set(bearer(theirs)).expect(200);
    const { body } = await t.http.get('/clients').set(bearer(current)).expect(200);
    expect(body).toHaveLength(1);
  });

  it.each([
    ['GET', '/clients'],
    ['DELETE', '/clients'],
    ['DELETE', '/clients/00000000-0000-4000-8000-000000000000'],
  ])('%s %s needs an access token: 401', async (method, path) => {
    await t.http[method === 'GET' ? 'get' : 'delete'](path).expect(401);
  });

  it('pages GET /clients newest first, with an RFC 8288 Link to the next page only while more follow', async () => {
    const sessions = [];
    for (let i = 0; i < 5; i += 1) sessions.push(await login(t.http, user, true, `device ${i}`));
    const current = sessions[4];
    const seen: string[] = [];
    let path: string | null = '/clients?limit=2';
    let pages = 0;
    while (path) {
      const answer = await t.http.get(path).set(bearer(current)).expect(200);
      expect(Array.isArray(answer.body)).toBe(true);
      seen.push(...answer.body.map((c: { id: string }) => c.id));
      const link = answer.headers.link as string | undefined;
      path = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : null;
      if (path) expect(path).toMatch(/^\/clients\?limit=2&cursor=[A-Za-z0-9_-]+$/);
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...sessions].reverse().map((s) => s.clientId));
    const all = await t.http.get('/clients').set(bearer(current)).expect(200);
    expect(all.headers.link).toBeUndefined();
    expect(all.body).toHaveLength(5);
    const ended = await t.http.get('/clients?include=ended&limit=1').set(bearer(current)).expect(200);
    expect(ended.headers.link).toMatch(/^<\/clients\?include=ended&limit=1&cursor=[A-Za-z0-9_-]+>; rel="next"$/);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'cursor=%00', 'cursor=bm9wZQ', 'cursor=' + 'A'.repeat(201)])(
    'GET /clients?%s: 400',
    async (query) => {
      const session = await login(t.http, user);
      const { body } = await t.http.get(`/clients?${query}`).set(bearer(session)).expect(400);
      expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    },
  );
});

describe('AUTH_MAX_CLIENTS_PER_USER', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_MAX_CLIENTS_PER_USER: '2' });
  });
  afterAll(() => t.close());

  it('a login beyond the cap ends the least recently used client, shown with reason limit', async () => {
    const user = await signUp(t.http);
    const first = await login(t.http, user);
    const second = await login(t.http, user);
    await t.http.post('/token').send({ refreshToken: first.refreshToken }).expect(201); // first is now the more recent
    const third = await login(t.http, user);
    await t.http.get('/me').set(bearer(second)).expect(401);
    await t.http.get('/me').set(bearer(third)).expect(200);
    const { body } = await t.http.get('/clients?include=ended').set(bearer(third)).expect(200);
    const byId = new Map(body.map((c: { id: string; endReason: string | null }) => [c.id, c.endReason]));
    expect(byId).toEqual(
      new Map([
        [third.clientId, null],
        [second.clientId, 'limit'],
        [first.clientId, null],
      ]),
    );
  });
});

describe('a logout racing guarded requests of its client', () => {
  let t: TestApp;
  let fills: jest.SpyInstance;
  beforeAll(async () => {
    t = await startApp({ AUTH_CLIENT_CACHE_TTL: '10m' });
    // Each read of a client's state is remembered a little late, as after a busy database, so that
    // fills begun before the logout land after it ended the client. The delay sits on the cache, not
    // on the query a read happens to make, and counting the fills proves the guard went through it.
    const cache = t.app.get(ClientStateCache);
    const fill = cache.set.bind(cache);
    fills = jest.spyOn(cache, 'set').mockImplementation((...args) => void setTimeout(() => fill(...args), 20));
  });
  afterAll(() => t.close());

  it('after the logout’s 204, no request that starts later succeeds', async () => {
    const user = await signUp(t.http);
    for (let round = 0; round < 5; round += 1) {
      const session = await login(t.http, user);
      const me = () =>
        t.http
          .get('/me')
          .set(bearer(session))
          .then((r) => r.status);
      const logout = t.http
        .post('/auth/logout')
        .set(bearer(session))
        .then((r) => r.status);
      const inFlight: Array<Promise<number>> = [];
      for (let i = 0; i < 20; i += 1) {
        inFlight.push(me());
        await new Promise((resolve) => setTimeout(resolve, 1)); // spread over the logout's own work
      }
      await expect(logout).resolves.toBe(204);
      const later = [me(), me()];
      const earlier = await Promise.all(inFlight);
      expect(earlier.every((s) => s === 200 || s === 401)).toBe(true);
      later.push(me(), me());
      expect(new Set(await Promise.all(later))).toEqual(new Set([401]));
    }
    expect(fills.mock.calls.length).toBeGreaterThanOrEqual(5);
  });
});
