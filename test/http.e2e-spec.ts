import { startApp, TestApp } from './support/app';
import { login, signUp } from './support/factories';

describe('CORS (CORS_ORIGINS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ CORS_ORIGINS: 'https://app.example.com,https://admin.example.com' });
  });
  afterAll(() => t.close());

  it('answers listed origins and stays silent for others', async () => {
    const allowed = await t.http.options('/token').set('origin', 'https://app.example.com').set('access-control-request-method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const other = await t.http.options('/token').set('origin', 'https://evil.example').set('access-control-request-method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('without CORS_ORIGINS', () => {
  it('allows no cross-origin caller', async () => {
    const t = await startApp();
    try {
      const response = await t.http.get('/health').set('origin', 'https://app.example.com');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

describe('the limit on token requests per address (AUTH_REFRESH_MAX_PER_MINUTE)', () => {
  it('answers 429 with Retry-After past the limit, on /token and /oauth/token alike', async () => {
    const t = await startApp({ AUTH_REFRESH_MAX_PER_MINUTE: '3' });
    try {
      const session = await login(t.http, await signUp(t.http));
      const first = await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
      await t.http.post('/token').send({ refreshToken: first.body.token.refreshToken }).expect(201);
      await t.http.post('/oauth/token').type('form').send('grant_type=refresh_token&refresh_token=x').expect(400);
      const limited = await t.http.post('/token').send({ refreshToken: 'x' }).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      const oauth = await t.http.post('/oauth/token').type('form').send('grant_type=refresh_token&refresh_token=x').expect(429);
      expect(oauth.body).toEqual({ error: 'slow_down', error_description: expect.any(String) });
    } finally {
      await t.close();
    }
  });
});

describe('API documentation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('serves the Swagger UI at /docs under the same security headers', async () => {
    const response = await t.http.get('/docs').redirects(1).expect(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toContain('swagger-ui');
    expect(response.text).not.toMatch(/<script>[^<]/); // no inline script: the CSP (script-src 'self') lets it run
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('serves an OpenAPI 3 document at /docs-json with every endpoint and bearer security', async () => {
    const { body } = await t.http.get('/docs-json').expect(200);
    expect(body.openapi).toMatch(/^3\./);
    expect(body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const path of [
      '/users',
      '/auth',
      '/auth/logout',
      '/token',
      '/token/reject',
      '/me',
      '/me/password',
      '/clients',
      '/clients/{id}',
      '/oauth/token',
      '/oauth/revoke',
      '/oauth/introspect',
      '/.well-known/jwks.json',
      '/.well-known/oauth-authorization-server',
      '/.well-known/session-policy',
      '/health',
    ]) {
      expect(Object.keys(body.paths)).toContain(path);
    }
    expect(body.paths['/me'].get.security).toEqual([{ bearer: [] }]);
    expect(body.paths['/token'].post.responses['401']).toBeDefined();
  });
});
