import { startApp, TestApp } from './support/app';

/** Issue 24 #11: an app on a CORS_ORIGINS origin can call every method the API has (API.md §7). */
describe('CORS preflights for every method of the API', () => {
  const APP_ORIGIN = 'https://app.example.com';
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ CORS_ORIGINS: `${APP_ORIGIN},https://admin.example.com` });
  });
  afterAll(() => t.close());

  const preflight = (path: string, origin: string, method: string) =>
    t.http.options(path).set({ origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' });

  it.each([
    ['DELETE', '/clients/00000000-0000-4000-8000-000000000000'],
    ['PUT', '/me/email'],
    ['PATCH', '/admin/users/00000000-0000-4000-8000-000000000000'],
    ['POST', '/token'],
    ['GET', '/me'],
  ])('allows %s from a listed origin, with credentials', async (method, path) => {
    const answer = await preflight(path, APP_ORIGIN, method).expect(204);
    expect(answer.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
    expect(answer.headers['access-control-allow-methods']?.split(/,\s*/)).toContain(method);
    expect(answer.headers['access-control-allow-headers']).toMatch(/authorization/);
  });

  it.each(['DELETE', 'PUT', 'PATCH'])('gives an unlisted origin no allow headers for %s', async (method) => {
    const answer = await preflight('/me/email', 'https://evil.example', method);
    for (const header of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods']) {
      expect(answer.headers[header]).toBeUndefined();
    }
  });
});
