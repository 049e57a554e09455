import { startApp, TestApp } from './support/app';
import { bearer, login, signUp } from './support/factories';

/** Personal data and tokens must not be kept by a browser or a shared cache (OWASP ASVS V8.2.1). */
describe('Cache-Control: no-store', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_INTROSPECTION_SECRET: 'introspection-secret-for-tests' });
  });
  afterAll(() => t.close());

  it('is on every response of a guarded route, successes and errors', async () => {
    const session = await login(t.http, await signUp(t.http));
    const other = await login(t.http, await signUp(t.http));
    for (const response of [
      await t.http.get('/me').set(bearer(session)).expect(200),
      await t.http.get('/clients').set(bearer(session)).expect(200),
      await t.http.get('/clients?limit=nonsense').set(bearer(session)).expect(400),
      await t.http.get('/me'),
      await t.http.delete(`/clients/${other.clientId}`).set(bearer(session)).expect(404),
      await t.http.delete('/clients').set(bearer(session)).expect(204),
      await t.http.post('/auth/logout').set(bearer(session)).expect(204),
    ]) {
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('is on every token and OAuth response, introspection included', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const basic = `Basic ${Buffer.from('introspection:introspection-secret-for-tests').toString('base64')}`;
    for (const response of [
      await t.http.post('/auth?permanent=true').send({ username: user.username, password: user.password }).expect(200),
      await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201),
      await t.http.post('/oauth/introspect').type('form').send(`token=${session.accessToken}`).set('authorization', basic).expect(200),
      await t.http.post('/oauth/introspect').type('form').send(`token=${session.accessToken}`).set(bearer(session)).expect(200),
      await t.http.post('/oauth/token').type('form').send('grant_type=refresh_token&refresh_token=x').expect(400),
      await t.http.post('/oauth/revoke').type('form').send('token=x').expect(200),
      await t.http.post('/users').send({ username: 'x' }).expect(400),
    ]) {
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('leaves public, deliberately cacheable documents cacheable', async () => {
    const jwks = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
  });
});
