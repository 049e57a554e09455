import { startApp, TestApp } from './support/app';
import { bearer, login, signUp } from './support/factories';

/** Bad input of every shape gets a 4xx JSON body {statusCode, error, message}: never a 500 or a stack. */
describe('bad input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  const expectCleanError = (body: Record<string, unknown>, status: number) => {
    expect(body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.anything() });
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(js|ts):\d+|SQLITE|QueryFailed|SELECT|INSERT/i);
  };

  it.each(['/users', '/auth', '/token', '/token/reject'])('POST %s with malformed JSON: 400', async (path) => {
    const response = await t.http.post(path).set('content-type', 'application/json').send('{"username": ');
    expect(response.status).toBe(400);
    expectCleanError(response.body, 400);
  });

  it.each(['/users', '/auth', '/token', '/token/reject'])('POST %s with a text body: 415', async (path) => {
    const response = await t.http.post(path).set('content-type', 'text/plain').send('username=a');
    expect(response.status).toBe(415);
    expectCleanError(response.body, 415);
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('POST /auth with %s as the body: 400', async (_case, raw) => {
    const response = await t.http.post('/auth').set('content-type', 'application/json').send(raw);
    expect(response.status).toBe(400);
    expectCleanError(response.body, 400);
  });

  it.each(['/users', '/auth', '/token', '/token/reject'])('POST %s with no body at all: 400', async (path) => {
    const response = await t.http.post(path);
    expect(response.status).toBe(400);
    expectCleanError(response.body, 400);
  });

  it.each(['/users', '/token'])('POST %s with an array body: 400', async (path) => {
    const response = await t.http.post(path).send([{ refreshToken: 'x' }]);
    expect(response.status).toBe(400);
    expectCleanError(response.body, 400);
  });

  it('POST /users with a huge body: 413', async () => {
    const response = await t.http.post('/users').send({ username: 'valid_name', password: 'x'.repeat(100_000) });
    expect(response.status).toBe(413);
    expectCleanError(response.body, 413);
  });

  it('POST /users with __proto__ keys: 400 and no pollution', async () => {
    const response = await t.http
      .post('/users')
      .set('content-type', 'application/json')
      .send('{"username":"valid_proto","password":"long enough pw","__proto__":{"admin":true}}');
    expect(response.status).toBe(400);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it.each([
    ['/users', 'username'],
    ['/auth', 'username'],
    ['/token', 'refreshToken'],
    ['/token/reject', 'refreshToken'],
    ['/me/password', 'currentPassword'],
    ['/oauth/token', 'grant_type'],
    ['/oauth/revoke', 'token'],
  ])('POST %s with JSON nested thousands deep, as the body or in %s: 400', async (path, field) => {
    const session = await login(t.http, await signUp(t.http));
    for (const value of [arrays(1300), arrays(5000), nested(1300), nested(2500)]) {
      for (const body of [value, `{"${field}":${value}}`]) {
        const response = await t.http.post(path).set(bearer(session)).set('content-type', 'application/json').send(body);
        expect(response.status).toBe(400);
        expect(JSON.stringify(response.body)).not.toMatch(/Internal|at .*\.(js|ts):\d+/);
      }
    }
  });

  it('takes ordinary nesting to the validator', async () => {
    const response = await t.http
      .post('/users')
      .send(`{"username":${nested(20)},"password":"long enough pw"}`)
      .set('content-type', 'application/json')
      .expect(400);
    expect(response.body.message).toContain('username must be a string');
  });

  it.each([
    ['/users', { username: 'valid_name2', password: 'long enough pw' }],
    ['/auth', { username: 'valid_name2', password: 'long enough pw' }],
    ['/token', { refreshToken: 'x' }],
    ['/token/reject', { refreshToken: 'x' }],
  ])('POST %s refuses every unknown field, prototype and constructor included: 400', async (path, body) => {
    for (const key of ['prototype', 'constructor', 'toString', 'hasOwnProperty', 'isAdmin']) {
      const response = await t.http.post(path).send({ ...body, [key]: 'x' });
      expect(response.status).toBe(400);
      expectCleanError(response.body, 400);
      expect(JSON.stringify(response.body.message)).toContain(key);
    }
  });

  it('refuses unknown query parameters of validated queries, prototype included: 400', async () => {
    const session = await login(t.http, await signUp(t.http));
    await t.http.get('/clients?prototype=1').set(bearer(session)).expect(400);
    await t.http.get('/clients?constructor=1').set(bearer(session)).expect(400);
    await t.http.get('/clients?__proto__=1').set(bearer(session)).expect(400);
    await t.http.get('/clients?include=ended').set(bearer(session)).expect(200);
    await t.http.post('/auth?prototype=1').send({ username: 'valid_name2', password: 'long enough pw' }).expect(400);
  });

  it('an unknown route: 404 JSON', async () => {
    const response = await t.http.get('/nope').expect(404);
    expectCleanError(response.body, 404);
  });

  it('sends helmet’s security headers on every response, errors included', async () => {
    for (const response of [await t.http.get('/health'), await t.http.get('/nope'), await t.http.post('/auth').send({})]) {
      expect(response.headers).toMatchObject({
        'content-security-policy': expect.stringContaining("default-src 'self'"),
        'x-content-type-options': 'nosniff',
        'strict-transport-security': expect.stringContaining('max-age='),
        'x-frame-options': 'SAMEORIGIN',
      });
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('refuses form bodies outside the OAuth endpoints: 415', async () => {
    const response = await t.http.post('/auth').type('form').send('username=a&password=b').expect(415);
    expectCleanError(response.body, 415);
  });

  it('GET /health: 200 once the database is reachable and migrated', async () => {
    const { body } = await t.http.get('/health').expect(200);
    expect(body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
  });
});
