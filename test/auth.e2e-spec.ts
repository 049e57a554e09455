import { startApp, TestApp } from './support/app';
import { bearer, login, signUp, TestUser } from './support/factories';

const REFRESH_TOKEN = /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/;

describe('the article flow: POST /auth, /token, /token/reject, /auth/logout', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startApp();
    user = await signUp(t.http);
  });
  afterAll(() => t.close());

  describe('POST /auth', () => {
    it('logs in without a refresh token by default: 200', async () => {
      const { body, headers } = await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(200);
      expect(body).toEqual({
        token: { accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: expect.any(Number) },
        user: { id: user.id, username: user.username, clientId: expect.any(String) },
      });
      // The token never outlives its temporary client (AUTH_ACCESS_TTL from the login): 900, or 899 when the
      // login crossed a second boundary between opening the client and signing (exp is in whole seconds).
      expect(body.token.expiresIn).toBeGreaterThanOrEqual(899);
      expect(body.token.expiresIn).toBeLessThanOrEqual(900);
      expect(headers['content-type']).toMatch(/application\/json/);
      expect(headers['cache-control']).toBe('no-store');
    });

    it('adds a refresh token <clientId>.<secret> with ?permanent=true', async () => {
      const { body } = await t.http.post('/auth?permanent=true').send({ username: user.username.toUpperCase(), password: user.password }).expect(200);
      expect(body.token.refreshToken).toMatch(REFRESH_TOKEN);
      expect(body.token.refreshToken.split('.')[0]).toBe(body.user.clientId);
    });

    it('treats ?permanent=false like no flag', async () => {
      const { body } = await t.http.post('/auth?permanent=false').send({ username: user.username, password: user.password }).expect(200);
      expect(body.token.refreshToken).toBeUndefined();
    });

    it('opens a new client on every login', async () => {
      const a = await login(t.http, user);
      const b = await login(t.http, user);
      expect(a.clientId).not.toBe(b.clientId);
    });

    it.each(['yes', '1', 'TRUE', ''])('refuses permanent=%p: 400', async (value) => {
      await t.http.post(`/auth?permanent=${value}`).send({ username: user.username, password: user.password }).expect(400);
    });

    it.each([
      ['an empty body', {}],
      ['a missing password', { username: 'someone' }],
      ['a non-string username', { username: 42, password: 'correct horse battery' }],
      ['an unknown field', { username: 'someone', password: 'correct horse battery', remember: true }],
    ])('refuses %s: 400', async (_case, body) => {
      const response = await t.http.post('/auth').send(body).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    });

    it('gives one 401 message for a wrong password and an unknown user', async () => {
      const wrong = await t.http.post('/auth').send({ username: user.username, password: 'not the password' }).expect(401);
      const unknown = await t.http.post('/auth').send({ username: 'nobody_here', password: 'not the password' }).expect(401);
      expect(wrong.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' });
      expect(unknown.body).toEqual(wrong.body);
    });
  });

  describe('POST /token', () => {
    it('rotates: 201 with a new refresh token, and the old one stops working', async () => {
      const session = await login(t.http, user);
      const { body, headers } = await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
      expect(body).toEqual({
        token: {
          accessToken: expect.any(String),
          refreshToken: expect.stringMatching(REFRESH_TOKEN),
          tokenType: 'Bearer',
          expiresIn: 900,
          refreshExpiresAt: expect.any(String),
          sessionExpiresAt: expect.any(String),
        },
      });
      expect(headers['content-type']).toMatch(/application\/json/);
      expect(headers['cache-control']).toBe('no-store');
      expect(body.token.refreshToken).not.toBe(session.refreshToken);
      expect(body.token.refreshToken.split('.')[0]).toBe(session.clientId);
      await t.http
        .get('/me')
        .set(bearer({ ...session, accessToken: body.token.accessToken }))
        .expect(200);
      // The next generation works; the one before it is spent.
      await t.http.post('/token').send({ refreshToken: body.token.refreshToken }).expect(201);
    });

    it.each([
      ['a missing token', {}],
      ['a number', { refreshToken: 12 }],
      ['null', { refreshToken: null }],
      ['an object', { refreshToken: { $ne: '' } }],
      ['an unknown field', { refreshToken: 'x', extra: 1 }],
    ])('refuses %s: 400', async (_case, body) => {
      await t.http.post('/token').send(body).expect(400);
    });

    it.each([
      ['garbage', 'garbage'],
      ['an empty string', ''],
      ['a token with an unknown client', '00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['SQL', "' OR 1=1 --.x"],
      ['a very long string', 'x'.repeat(5000)],
    ])('refuses %s: 401 that names no token', async (_case, refreshToken) => {
      const { body } = await t.http.post('/token').send({ refreshToken }).expect(401);
      expect(body).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: 'Invalid refresh token', reason: 'invalid' });
    });

    it('refuses a forged secret for a real client without ending the client', async () => {
      const session = await login(t.http, user);
      const forged = `${session.clientId}.${'A'.repeat(43)}`;
      await t.http.post('/token').send({ refreshToken: forged }).expect(401);
      await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
    });

    it('refuses the token of a non-permanent login (it has none) and an access token', async () => {
      const session = await login(t.http, user, false);
      await t.http.post('/token').send({ refreshToken: session.accessToken }).expect(401);
    });
  });

  describe('POST /token/reject', () => {
    it('ends the client: its refresh and access tokens stop working; 204', async () => {
      const session = await login(t.http, user);
      await t.http.post('/token/reject').send({ refreshToken: session.refreshToken }).expect(204);
      await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(401);
      await t.http.get('/me').set(bearer(session)).expect(401);
    });

    it('is idempotent and leaks nothing: 204 for a token seen twice, unknown or garbage', async () => {
      const session = await login(t.http, user);
      await t.http.post('/token/reject').send({ refreshToken: session.refreshToken }).expect(204);
      await t.http.post('/token/reject').send({ refreshToken: session.refreshToken }).expect(204);
      const unknown = await t.http.post('/token/reject').send({ refreshToken: 'not-a-token' }).expect(204);
      expect(unknown.text).toBe('');
    });

    it('leaves the user’s other clients alone', async () => {
      const a = await login(t.http, user);
      const b = await login(t.http, user);
      await t.http.post('/token/reject').send({ refreshToken: a.refreshToken }).expect(204);
      await t.http.get('/me').set(bearer(b)).expect(200);
      await t.http.post('/token').send({ refreshToken: b.refreshToken }).expect(201);
    });

    it.each([
      ['a missing token', {}],
      ['a number', { refreshToken: 1 }],
    ])('refuses %s: 400', async (_case, body) => {
      await t.http.post('/token/reject').send(body).expect(400);
    });
  });

  describe('POST /auth/logout', () => {
    it('ends the current client only: 204', async () => {
      const a = await login(t.http, user);
      const b = await login(t.http, user);
      await t.http.post('/auth/logout').set(bearer(a)).expect(204);
      await t.http.get('/me').set(bearer(a)).expect(401);
      await t.http.post('/token').send({ refreshToken: a.refreshToken }).expect(401);
      await t.http.get('/me').set(bearer(b)).expect(200);
    });

    it('needs an access token: 401', async () => {
      await t.http.post('/auth/logout').expect(401);
    });
  });
});

describe('failed-login limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_LOGIN_MAX_FAILURES_PER_USER: '3', AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS: '6' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once a username has too many failures, even for the right password', async () => {
    const user = await signUp(t.http);
    for (let i = 0; i < 3; i += 1) {
      await t.http.post('/auth').send({ username: user.username, password: 'wrong password' }).expect(401);
    }
    const blocked = await t.http.post('/auth').send({ username: user.username.toUpperCase(), password: user.password }).expect(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
  });

  it('does not count successful logins', async () => {
    const user = await signUp(t.http);
    for (let i = 0; i < 5; i += 1) await login(t.http, user);
  });

  it('limits an address that tries many usernames', async () => {
    // 3 failures came from this address above; 3 more reach the address limit of 6.
    for (let i = 0; i < 3; i += 1) {
      await t.http
        .post('/auth')
        .send({ username: `spray_${i}`, password: 'wrong password' })
        .expect(401);
    }
    await t.http.post('/auth').send({ username: 'spray_next', password: 'wrong password' }).expect(429);
  });
});
