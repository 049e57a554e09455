import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { AuthService } from '../src/auth/auth.service';
import { ListeningApp, startListeningApp } from './support/app';
import { credentials } from './support/factories';
import { bearerHeader, httpCall } from './support/http-client';
import { browserSuite, launchChromium } from './support/chromium';

/*
 * Cookie mode and the browser client (sdk/, as served at /sdk/auth-client.js) in headless Chromium.
 * The app's page is answered by Playwright on the service's own origin, under the service's CSP, so
 * it imports the client exactly as a real page of that origin would.
 */
const describeInBrowser = browserSuite('browser tests');

const APP_SCRIPT = `
import { createAuthClient } from '/sdk/auth-client.js';
const auth = createAuthClient({ baseUrl: location.origin, transport: 'cookie' });
window.auth = auth;
window.changes = [];
auth.onChange((state) => window.changes.push(state));
// Calls the app's API through auth.fetch until the time is up; reports every failure.
window.loop = async (ms) => {
  const failures = [];
  let ok = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const response = await auth.fetch('/me');
    if (response.ok) ok += 1;
    else failures.push(response.status + ' ' + (await response.text()));
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
  }
  return { ok, failures, signedOut: window.changes.filter((s) => s.status === 'signed-out').length, status: auth.state.status };
};
window.ready = true;
`;

describeInBrowser('in a browser (headless Chromium)', () => {
  let t: ListeningApp;
  /** The service the helpers talk to: t, but one without the 2 s TTL for the CSRF test. */
  let target: ListeningApp;
  let browser: Browser;
  let csp: string;
  let refreshes: jest.SpyInstance;

  beforeAll(async () => {
    t = target = await startListeningApp({ AUTH_COOKIE_SECURE: 'false', AUTH_ACCESS_TTL: '2s' });
    csp = (await fetch(`${t.url}/health`)).headers.get('content-security-policy') as string;
    refreshes = jest.spyOn(t.app.get(AuthService), 'refresh');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A fresh browser profile whose /app/ pages are the test app, on the service's own origin. */
  async function appContext(): Promise<BrowserContext> {
    const context = await browser.newContext();
    await context.route(`${target.url}/app/**`, (route) => {
      const isScript = route.request().url().endsWith('.js');
      return route.fulfill({
        status: 200,
        headers: { 'content-type': isScript ? 'text/javascript' : 'text/html', 'content-security-policy': csp },
        body: isScript ? APP_SCRIPT : '<!doctype html><title>app</title><script type="module" src="/app/main.js"></script>',
      });
    });
    return context;
  }

  async function openTab(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${target.url}/app/`);
    await page.waitForFunction(() => (globalThis as any).ready === true);
    return page;
  }

  async function signUpAndLogIn(page: Page): Promise<{ username: string; password: string; clientId: string }> {
    const user = credentials();
    await httpCall(target.url, 'POST', '/users', user);
    const me = await page.evaluate((u) => (globalThis as any).auth.login({ ...u, permanent: true }), user);
    return { ...user, clientId: me.clientId };
  }

  const stateOf = (page: Page) => page.evaluate(() => (globalThis as any).auth.state);
  const waitSignedOut = (page: Page) =>
    page.waitForFunction(() => (globalThis as any).auth.state.status === 'signed-out', undefined, { timeout: 10_000 });

  it('five tabs with a 2 s access token call the API for 20 s: no failure, no sign-out, about one refresh per TTL', async () => {
    const context = await appContext();
    try {
      const tabs = [await openTab(context)];
      await signUpAndLogIn(tabs[0]);
      for (let i = 1; i < 5; i += 1) tabs.push(await openTab(context));
      for (const tab of tabs) expect((await stateOf(tab)).status).toBe('signed-in');
      // The page never sees a token: the cookies are HttpOnly and the stored record holds none.
      expect(await tabs[0].evaluate(() => (globalThis as any).document.cookie)).toBe('');
      expect(await tabs[0].evaluate(() => JSON.stringify({ ...(globalThis as any).localStorage }))).not.toMatch(/eyJ|refreshToken|accessToken/);

      refreshes.mockClear();
      const results = await Promise.all(tabs.map((tab) => tab.evaluate((ms) => (globalThis as any).loop(ms), 20_000)));
      for (const result of results) expect(result).toMatchObject({ failures: [], signedOut: 0, status: 'signed-in' });
      expect(results.reduce((sum, r) => sum + r.ok, 0)).toBeGreaterThan(100);
      // One refresh per ~2 s TTL for all five tabs together (10 to 14 expected), not one per tab (50+).
      expect(refreshes.mock.calls.length).toBeGreaterThanOrEqual(5);
      expect(refreshes.mock.calls.length).toBeLessThanOrEqual(20);

      // A reload keeps the session: the cookies and the (token-free) record outlive the page.
      await tabs[2].reload();
      await tabs[2].waitForFunction(() => (globalThis as any).ready === true);
      expect(await tabs[2].evaluate(async () => (await (globalThis as any).auth.me()).username)).toEqual(expect.any(String));
    } finally {
      await context.close();
    }
  }, 90_000);

  it('a logout in one tab signs every tab out', async () => {
    const context = await appContext();
    try {
      const tabs = [await openTab(context), await openTab(context), await openTab(context)];
      // What the tabs sent and heard, printed should a tab have signed out for another reason first:
      // on PostgreSQL a clean-clone CI run twice saw a tab end as "invalid" before the logout reached it.
      const heard: string[] = [];
      const start = Date.now();
      tabs.forEach((tab, i) =>
        tab.on('response', (r) => {
          if (/\/(token|auth)/.test(r.url()))
            heard.push(`${Date.now() - start} ms tab ${i}: ${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
        }),
      );
      await signUpAndLogIn(tabs[0]);
      await tabs[1].evaluate(() => (globalThis as any).auth.logout());
      for (const tab of tabs) {
        await waitSignedOut(tab);
        expect(await stateOf(tab)).toEqual({ status: 'signed-out', reason: 'logout' });
      }
      const endings = await Promise.all(tabs.map((tab) => tab.evaluate(() => (globalThis as any).changes.map((c: any) => c.reason ?? c.status))));
      if (endings.flat().some((reason) => reason !== 'signed-in' && reason !== 'logout')) console.warn('tabs heard', endings, heard);
      expect(await tabs[0].evaluate(() => fetch('/me').then((r) => r.status))).toBe(401);
    } finally {
      await context.close();
    }
  }, 30_000);

  it('a session ended from another device (DELETE /clients/:id) signs every tab out, saying why', async () => {
    const context = await appContext();
    try {
      const tabs = [await openTab(context), await openTab(context), await openTab(context)];
      const user = await signUpAndLogIn(tabs[0]);
      const phone = await httpCall(t.url, 'POST', '/auth', { username: user.username, password: user.password });
      const ended = await httpCall(t.url, 'DELETE', `/clients/${user.clientId}`, undefined, bearerHeader(phone.body.token.accessToken));
      expect(ended.status).toBe(204);
      // No request from the tabs: the next scheduled refresh (within one 2 s TTL) learns it.
      for (const tab of tabs) {
        await waitSignedOut(tab);
        expect(await stateOf(tab)).toEqual({ status: 'signed-out', reason: 'revoked' });
      }
    } finally {
      await context.close();
    }
  }, 30_000);

  describe('a page of another origin', () => {
    let evil: Server;
    let evilUrl: string;

    beforeAll(async () => {
      // Its own service with the default 15 min TTL: no legitimate refresh happens during the test.
      target = await startListeningApp({ AUTH_COOKIE_SECURE: 'false' });
      // Another port of the same host: same-site for the browser, so SameSite alone would not stop it.
      evil = createServer((_request, response) => {
        response.setHeader('content-type', 'text/html');
        response.end(
          `<!doctype html><form id="form" method="POST" action="${target.url}/auth/logout" target="sink"></form><iframe name="sink"></iframe>`,
        );
      });
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
      evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => evil.close(() => resolve()));
      await target.close();
      target = t;
    });

    it("cannot end, refresh or use the session with the victim's cookies (fetch with credentials, form POST)", async () => {
      const context = await appContext();
      try {
        const app = await openTab(context);
        const user = await signUpAndLogIn(app);
        const logouts = jest.spyOn(target.app.get(AuthService), 'logout');
        const refreshed = jest.spyOn(target.app.get(AuthService), 'refresh');
        const page = await context.newPage();
        await page.goto(evilUrl);
        const attempts = await page.evaluate(
          async ({ target, clientId }) => {
            const tryFetch = (path: string, init: Record<string, unknown>) =>
              fetch(target + path, { credentials: 'include', ...init }).then(
                (r) => `answered ${r.status}`,
                () => 'no readable answer',
              );
            return [
              await tryFetch('/auth/logout', { method: 'POST' }),
              await tryFetch('/token', { method: 'POST' }),
              await tryFetch('/token/reject', { method: 'POST' }),
              await tryFetch('/auth/logout', { method: 'POST', headers: { 'x-session-transport': 'cookie' } }),
              await tryFetch(`/clients/${clientId}`, { method: 'DELETE' }),
              await tryFetch('/clients', { method: 'DELETE', headers: { 'x-session-transport': 'cookie' } }),
            ];
          },
          { target: target.url, clientId: user.clientId },
        );
        // None of them can be read (no CORS for that origin), whatever the server did.
        expect(attempts).toEqual(Array(6).fill('no readable answer'));
        const formAnswer = page.waitForResponse((response) => response.url() === `${target.url}/auth/logout`);
        await page.evaluate(() => (globalThis as any).document.getElementById('form').submit());
        expect([403, 415]).toContain((await formAnswer).status());

        expect(logouts).not.toHaveBeenCalled();
        expect(refreshed).not.toHaveBeenCalled();
        expect(await app.evaluate(async () => (await (globalThis as any).auth.me()).clientId)).toBe(user.clientId);
        expect((await stateOf(app)).status).toBe('signed-in');
        logouts.mockRestore();
        refreshed.mockRestore();
      } finally {
        await context.close();
      }
    }, 30_000);
  });
});
