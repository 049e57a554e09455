import { startApp, TestApp } from './support/app';

/** helmet's defaults, as @fastify/helmet sets them: the same on every response, errors and the docs page included. */
const HELMET_HEADERS = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('are helmet’s, on answers, errors (404, 400, 415) and the docs page', async () => {
    const responses = [
      await t.http.get('/health').expect(200),
      await t.http.get('/nope').expect(404),
      await t.http.post('/auth').send({}).expect(400),
      await t.http.post('/auth').type('form').send('a=b').expect(415),
      await t.http.get('/docs').expect(200),
    ];
    for (const response of responses) {
      expect(response.headers).toMatchObject(HELMET_HEADERS);
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers['cache-control']).toMatch(/no-store/);
    }
  });
});
