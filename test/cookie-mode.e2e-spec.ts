import request from 'supertest';
import { ListeningApp, startListeningApp } from './support/app';
import { credentials, login, signUp, TestUser } from './support/factories';

/*
 * Cookie mode (API.md §7): tokens in HttpOnly cookies, and the CSRF rule that guards them. Every CSRF
 * test forges what a page of another origin could send and checks that nothing changed.
 */
const APP_ORIGIN = 'http://app.example.test';
const EVIL_ORIGIN = 'http://evil.example.test';
const COOKIE = { 'x-session-transport': 'cookie' };

interface Jar {
  access?: string;
  refresh?: string;
}

/** The cookies a response set, by name; an empty value means the cookie was cleared. */
function setCookies(response: request.Response): Record<string, { value: string; attributes: string }> {
  const lines = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  return Object.fromEntries(
    lines.map((line) => {
      const [pair, ...attributes] = line.split('; ');
      const eq = pair.indexOf('=');
      return [pair.slice(0, eq), { value: decodeURIComponent(pair.slice(eq + 1)), attributes: attributes.join('; ') }];
    }),
  );
}

function cookieHeader(jar: Jar): string {
  return [jar.access && `access-token=${jar.access}`, jar.refresh && `refresh-token=${jar.refresh}`].filter(Boolean).join('; ');
}

describe('cookie mode', () => {
  let t: ListeningApp;
  const http = () => request(t.url);

  beforeAll(async () => {
    t = await startListeningApp({ AUTH_COOKIE_SECURE: 'false', CORS_ORIGINS: APP_ORIGIN, AUTH_REFRESH_GRACE: '0' });
  });
  afterAll(() => t.close());

  async function cookieLogin(user: Omit<TestUser, 'id'>, permanent = true): Promise<Jar & { body: any; response: request.Response }> {
    const response = await http()
      .post(`/auth?permanent=${permanent}`)
      .set(COOKIE)
      .send({ username: user.username, password: user.password })
      .expect(200);
    const cookies = setCookies(response);
    return { access: cookies['access-token']?.value, refresh: cookies['refresh-token']?.value || undefined, body: response.body, response };
  }

  const me = (jar: Jar) => http().get('/me').set('cookie', cookieHeader(jar));
  const liveClients = async (accessToken: string) =>
    (await http().get('/clients').set('authorization', `Bearer ${accessToken}`).expect(200)).body.length;

  describe('sessions', () => {
    it('logs in with the tokens in HttpOnly cookies and only the deadlines in the body', async () => {
      const user = await signUp(t.http);
      const { body, response } = await cookieLogin(user);
      expect(body.token).toEqual({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresAt: expect.any(String), sessionExpiresAt: expect.any(String) });
      expect(body.user).toMatchObject({ username: user.username, clientId: expect.any(String) });
      expect(JSON.stringify(body)).not.toMatch(/accessToken|refreshToken/);
      const cookies = setCookies(response);
      expect(cookies['access-token'].attributes).toBe('Max-Age=900; Path=/; HttpOnly; SameSite=Lax');
      expect(cookies['refresh-token'].attributes).toMatch(/^Max-Age=259\d{4}; Path=\/token; HttpOnly; SameSite=Strict$/);
      expect(cookies['refresh-token'].value).toMatch(new RegExp(`^${body.user.clientId}\\.`));
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('authenticates guarded routes by the access cookie alone for safe methods', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      const { body } = await me(jar).expect(200);
      expect(body.username).toBe(user.username);
      await http().get('/me').set('cookie', 'access-token=forged').expect(401);
    });

    it('refreshes from the refresh cookie, replacing both cookies', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      const response = await http().post('/token').set(COOKIE).set('cookie', cookieHeader(jar)).expect(201);
      expect(response.body.token).toEqual({
        tokenType: 'Bearer',
        expiresIn: 900,
        refreshExpiresAt: expect.any(String),
        sessionExpiresAt: expect.any(String),
      });
      const cookies = setCookies(response);
      expect(cookies['refresh-token'].value).not.toBe(jar.refresh);
      await me({ access: cookies['access-token'].value }).expect(200);
      // The old refresh token was rotated away: presenting it again is reuse, and the cookies are cleared.
      const reused = await http().post('/token').set(COOKIE).set('cookie', cookieHeader(jar)).expect(401);
      expect(reused.body.reason).toBe('reused');
      expect(setCookies(reused)['refresh-token']).toMatchObject({ value: '', attributes: expect.stringContaining('Max-Age=0') });
    });

    it('answers 401 invalid to a cookie-mode refresh without a refresh cookie', async () => {
      const { body } = await http().post('/token').set(COOKIE).expect(401);
      expect(body).toMatchObject({ statusCode: 401, reason: 'invalid' });
    });

    it('a non-permanent login sets the access cookie only, and clears a stale refresh cookie', async () => {
      const user = await signUp(t.http);
      const { response } = await cookieLogin(user, false);
      const cookies = setCookies(response);
      expect(cookies['access-token'].value).not.toBe('');
      expect(cookies['refresh-token']).toMatchObject({ value: '', attributes: expect.stringContaining('Max-Age=0') });
      // A temporary client lives exactly AUTH_ACCESS_TTL from its login and the token never outlives it, so
      // a login that crosses a second boundary between the two gets 899 (whole seconds, rounded down).
      expect(response.body.token).toEqual({ tokenType: 'Bearer', expiresIn: expect.any(Number) });
      expect(response.body.token.expiresIn).toBeGreaterThanOrEqual(899);
      expect(response.body.token.expiresIn).toBeLessThanOrEqual(900);
    });

    it('rejects with the refresh cookie: the client ends and both cookies are cleared', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      const response = await http().post('/token/reject').set(COOKIE).set('cookie', cookieHeader(jar)).expect(204);
      const cookies = setCookies(response);
      expect(cookies['access-token']).toMatchObject({ value: '', attributes: expect.stringContaining('Max-Age=0') });
      expect(cookies['refresh-token']).toMatchObject({ value: '', attributes: expect.stringContaining('Max-Age=0') });
      expect((await me(jar).expect(401)).body.reason).toBe('revoked');
    });

    it('logs out with the access cookie: the client ends and both cookies are cleared', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      const response = await http().post('/auth/logout').set(COOKIE).set('cookie', cookieHeader(jar)).expect(204);
      expect(setCookies(response)['access-token'].value).toBe('');
      expect((await me(jar).expect(401)).body.reason).toBe('revoked');
      await http().post('/token').set(COOKIE).set('cookie', cookieHeader(jar)).expect(401);
    });

    it('answers malformed cookies with a 4xx, never a 500', async () => {
      for (const cookie of [
        'access-token=%E0%A4%A',
        'access-token=',
        'access-token="x',
        `access-token=${'a'.repeat(4000)}`,
        'refresh-token=%ZZ; access-token=;;',
      ]) {
        const guarded = await http().get('/me').set('cookie', cookie);
        expect(guarded.status).toBe(401);
        const refresh = await http().post('/token').set(COOKIE).set('cookie', cookie);
        expect(refresh.status).toBe(401);
        expect(refresh.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', reason: 'invalid' });
      }
    });

    it('leaves header mode unchanged: tokens in the body, no session cookie', async () => {
      const user = await signUp(t.http);
      const response = await http().post('/auth?permanent=true').send({ username: user.username, password: user.password }).expect(200);
      expect(response.body.token).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
      // Only the device cookie of the login limits (rate-limit/device-cookies), never a token.
      const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
      expect(cookies.map((cookie) => cookie.split('=')[0])).toEqual([expect.stringMatching(/ra_device$/)]);
      const refreshed = await http().post('/token').send({ refreshToken: response.body.token.refreshToken }).expect(201);
      expect(refreshed.headers['set-cookie']).toBeUndefined();
    });
  });

  describe('CSRF', () => {
    const csrf = { statusCode: 403, error: 'Forbidden', reason: 'csrf', message: expect.any(String) };

    it('refuses a cookie-authenticated unsafe request without X-Session-Transport, and nothing changes', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      const other = await login(t.http, user);
      const { body } = await http().post('/auth/logout').set('cookie', cookieHeader(jar)).expect(403);
      expect(body).toEqual(csrf);
      await http().delete(`/clients/${other.clientId}`).set('cookie', cookieHeader(jar)).expect(403);
      await http().delete('/clients').set('cookie', cookieHeader(jar)).expect(403);
      await me(jar).expect(200);
      await http().get('/me').set('authorization', `Bearer ${other.accessToken}`).expect(200);
    });

    it('refuses a refresh or reject by the refresh cookie without X-Session-Transport, and nothing rotates', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      expect((await http().post('/token').set('cookie', cookieHeader(jar)).expect(403)).body).toEqual(csrf);
      expect((await http().post('/token/reject').set('cookie', cookieHeader(jar)).expect(403)).body).toEqual(csrf);
      // The refresh token is still the live one (the grace window is off in this suite).
      await http().post('/token').set(COOKIE).set('cookie', cookieHeader(jar)).expect(201);
    });

    it('refuses cookie mode from a foreign Origin, and nothing changes', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      const other = await login(t.http, user);
      const evil = { ...COOKIE, origin: EVIL_ORIGIN, cookie: cookieHeader(jar) };
      expect((await http().post('/auth/logout').set(evil).expect(403)).body).toEqual(csrf);
      await http().delete(`/clients/${other.clientId}`).set(evil).expect(403);
      await http().post('/token').set(evil).expect(403);
      await http().post('/token/reject').set(evil).expect(403);
      await http().post('/token').set(COOKIE).set('cookie', cookieHeader(jar)).expect(201);
      await http().get('/me').set('authorization', `Bearer ${other.accessToken}`).expect(200);
    });

    it('refuses a cookie-mode login from a foreign Origin before the password is checked', async () => {
      const user = await signUp(t.http);
      const { accessToken } = await login(t.http, user);
      for (let i = 0; i < 12; i += 1) {
        await http()
          .post('/auth')
          .set({ ...COOKIE, origin: EVIL_ORIGIN })
          .send({ username: user.username, password: 'wrong password' })
          .expect(403);
      }
      const response = await http()
        .post('/auth')
        .set({ ...COOKIE, origin: EVIL_ORIGIN })
        .send({ username: user.username, password: user.password })
        .expect(403);
      expect(response.headers['set-cookie']).toBeUndefined();
      // No client was opened, and no failure was counted (10 failures would have locked the username).
      expect(await liveClients(accessToken)).toBe(1);
    });

    it('accepts our own origin and CORS_ORIGINS', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      await http()
        .post('/token')
        .set({ ...COOKIE, origin: t.url, cookie: cookieHeader(jar) })
        .expect(201);
      const again = await cookieLogin(user);
      await http()
        .post('/auth/logout')
        .set({ ...COOKIE, origin: APP_ORIGIN, cookie: cookieHeader(again) })
        .expect(204);
      await http()
        .post('/auth')
        .set({ ...COOKIE, origin: APP_ORIGIN })
        .send({ username: user.username, password: user.password })
        .expect(200);
    });

    it('lets a Bearer request through without the header even when cookies ride along', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      const session = await login(t.http, user);
      await http()
        .post('/auth/logout')
        .set({ authorization: `Bearer ${session.accessToken}`, cookie: cookieHeader(jar), origin: EVIL_ORIGIN })
        .expect(204);
      await me(jar).expect(200);
    });

    it('answers CORS preflights for CORS_ORIGINS with credentials and X-Session-Transport, and not for others', async () => {
      const allowed = await http()
        .options('/token')
        .set({ origin: APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-session-transport' });
      expect(allowed.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      expect(allowed.headers['access-control-allow-headers']).toMatch(/x-session-transport/);
      const refused = await http()
        .options('/token')
        .set({ origin: EVIL_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-session-transport' });
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});

describe('cookie mode with secure cookies (the default)', () => {
  let t: ListeningApp;
  beforeAll(async () => (t = await startListeningApp({ AUTH_ISSUER: 'https://auth.example.test' })));
  afterAll(() => t.close());

  it('counts the public origin of AUTH_ISSUER as its own (a TLS proxy in front)', async () => {
    const user = credentials();
    await request(t.url).post('/users').send(user).expect(201);
    await request(t.url)
      .post('/auth')
      .set({ ...COOKIE, origin: 'https://auth.example.test' })
      .send(user)
      .expect(200);
    await request(t.url)
      .post('/auth')
      .set({ ...COOKIE, origin: 'https://other.example.test' })
      .send(user)
      .expect(403);
  });

  it('names the cookies __Host- and __Secure- and marks them Secure', async () => {
    const user = credentials();
    await request(t.url).post('/users').send(user).expect(201);
    const response = await request(t.url).post('/auth?permanent=true').set(COOKIE).send(user).expect(200);
    const cookies = setCookies(response);
    expect(cookies['__Host-access-token'].attributes).toBe('Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax');
    expect(cookies['__Secure-refresh-token'].attributes).toMatch(/; Path=\/token; HttpOnly; Secure; SameSite=Strict$/);
    // The plain names are not read when cookies are secure: a cookie planted over http is ignored.
    await request(t.url).get('/me').set('cookie', `access-token=${cookies['__Host-access-token'].value}`).expect(401);
    await request(t.url).get('/me').set('cookie', `__Host-access-token=${cookies['__Host-access-token'].value}`).expect(200);
  });
});
