import { Browser, BrowserContext, Page } from 'playwright-core';
import { AuthService } from '../src/auth/auth.service';
import { ListeningApp, startListeningApp } from './support/app';
import { dpopHeaders, dpopKey } from './support/dpop';
import { credentials } from './support/factories';
import { httpCall } from './support/http-client';
import { browserSuite, launchChromium } from './support/chromium';

/*
 * DPoP in the browser (API.md §14): the client served at /sdk/auth-client.js makes a non-extractable
 * ES256 key (WebCrypto), keeps it in IndexedDB, and sends proofs by itself. Header mode with
 * localStorage, so that the refresh token is there to be stolen by a script, and is useless elsewhere.
 */
const describeInBrowser = browserSuite('DPoP browser tests');

const APP_SCRIPT = `
import { createAuthClient } from '/sdk/auth-client.js';
const auth = createAuthClient({ baseUrl: location.origin, transport: 'header', storage: localStorage });
window.auth = auth;
window.changes = [];
auth.onChange((state) => window.changes.push(state));
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

describeInBrowser('DPoP in a browser (headless Chromium)', () => {
  let t: ListeningApp;
  let browser: Browser;
  let csp: string;
  let refreshes: jest.SpyInstance;

  beforeAll(async () => {
    t = await startListeningApp({ AUTH_ACCESS_TTL: '2s', AUTH_COOKIE_SECURE: 'false' });
    csp = (await fetch(`${t.url}/health`)).headers.get('content-security-policy') as string;
    refreshes = jest.spyOn(t.app.get(AuthService), 'refresh');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function appContext(): Promise<BrowserContext> {
    const context = await browser.newContext();
    await context.route(`${t.url}/app/**`, (route) => {
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
    await page.goto(`${t.url}/app/`);
    await page.waitForFunction(() => (globalThis as any).ready === true);
    return page;
  }

  it('five tabs on a 2 s access token with a bound session: no failure, about one refresh per TTL; a copied refresh token fails elsewhere', async () => {
    const context = await appContext();
    try {
      const tabs = [await openTab(context)];
      const user = credentials();
      await httpCall(t.url, 'POST', '/users', user);
      await tabs[0].evaluate((u) => (globalThis as any).auth.login({ ...u, permanent: true }), user);
      for (let i = 1; i < 5; i += 1) tabs.push(await openTab(context));

      // Bound: the token is DPoP, the device list says so, and the key cannot be exported by the page.
      const record = JSON.parse((await tabs[0].evaluate(() => Object.values({ ...(globalThis as any).localStorage })[0])) as string);
      expect(record.bound).toBe(true);
      const clients = await tabs[3].evaluate(() => (globalThis as any).auth.sessions.list());
      expect(clients).toEqual([expect.objectContaining({ current: true, bound: true })]);
      const extractable = await tabs[0].evaluate(
        () =>
          new Promise((resolve) => {
            const open = (globalThis as any).indexedDB.open('refresh-auth-dpop', 1);
            open.onsuccess = () => {
              const get = open.result.transaction('keys').objectStore('keys').getAll();
              get.onsuccess = () => resolve(get.result.map((key: any) => [key.privateKey.extractable, key.privateKey.algorithm.name]));
            };
          }),
      );
      expect(extractable).toEqual([[false, 'ECDSA']]);

      refreshes.mockClear();
      const results = await Promise.all(tabs.map((tab) => tab.evaluate((ms) => (globalThis as any).loop(ms), 12_000)));
      for (const result of results) expect(result).toMatchObject({ failures: [], signedOut: 0, status: 'signed-in' });
      expect(results.reduce((sum, r) => sum + r.ok, 0)).toBeGreaterThan(50);
      // One refresh per ~2 s TTL for the five tabs together (about 6), not one per tab (30+). exp counts whole
      // seconds, so a token may live little more than one: on a loaded machine 13 were seen, hence 1.5 per second.
      expect(refreshes.mock.calls.length).toBeGreaterThanOrEqual(3);
      expect(refreshes.mock.calls.length).toBeLessThanOrEqual(18);
      for (const call of refreshes.mock.calls) expect(call[3]).toEqual(expect.any(String)); // every refresh carried a proof

      // An XSS, malware or a backup copies the refresh token out of the app; another client (Node) tries it.
      const stolen = JSON.parse((await tabs[0].evaluate(() => Object.values({ ...(globalThis as any).localStorage })[0])) as string);
      const thief = await dpopKey();
      const withOwnKey = await fetch(`${t.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await dpopHeaders(thief, 'POST', `${t.url}/token`)) },
        body: JSON.stringify({ refreshToken: stolen.refreshToken }),
      });
      expect(withOwnKey.status).toBe(401);
      const withoutProof = await httpCall(t.url, 'POST', '/token', { refreshToken: stolen.refreshToken });
      expect(withoutProof.status).toBe(401);
      // The stolen access token too: as Bearer, or as DPoP with the thief's key.
      expect((await fetch(`${t.url}/me`, { headers: { authorization: `Bearer ${stolen.accessToken}` } })).status).toBe(401);
      expect((await fetch(`${t.url}/me`, { headers: await dpopHeaders(thief, 'GET', `${t.url}/me`, stolen.accessToken) })).status).toBe(401);
      // The theft counted as a suspicious use: the device's session ended, and it says why.
      expect(await tabs[0].evaluate(async () => (await (globalThis as any).auth.fetch('/me')).status)).toBe(401);
      expect(await tabs[0].evaluate(() => (globalThis as any).auth.state.status)).toBe('signed-out');
      expect(await tabs[0].evaluate(() => (globalThis as any).auth.state.reason)).toBe('reused');
    } finally {
      await context.close();
    }
  }, 90_000);

  it('the account page (cookie mode) binds by itself and marks the device "bound to this device"', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${t.url}/account`);
      await page.locator('#loading').waitFor({ state: 'hidden' });
      const user = credentials();
      await httpCall(t.url, 'POST', '/users', user);
      await page.getByLabel('Username').first().fill(user.username);
      await page.getByLabel('Password', { exact: true }).first().fill(user.password);
      await page.locator('#sign-in-keep').check();
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page
        .locator('#devices > li .bound')
        .filter({ hasText: /^bound to this device$/ })
        .waitFor({ timeout: 10_000 });
      // A refresh cookie copied out of the profile is useless without the key, and ends the session.
      const cookies = await context.cookies();
      const refreshCookie = cookies.find((cookie) => cookie.path === '/token');
      expect(refreshCookie).toBeDefined();
      const stolen = await fetch(`${t.url}/token`, {
        method: 'POST',
        headers: { 'x-session-transport': 'cookie', cookie: `${refreshCookie!.name}=${refreshCookie!.value}` },
      });
      expect(stolen.status).toBe(401);
    } finally {
      await context.close();
    }
  }, 60_000);
});
