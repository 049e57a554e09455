import { existsSync } from 'node:fs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { freePort, ListeningApp, startListeningApp } from './support/app';
import { credentials } from './support/factories';
import { httpCall } from './support/http-client';
import { UpstreamOidc } from './support/upstream-oidc';

/*
 * The redirect dance in headless Chromium, on the account page: sign up by provider, sign out, sign in
 * again, link a provider to an account with a password, unlink it. oidc-provider is the upstream.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) process.stderr.write(`provider browser tests skipped: ${CHROMIUM} not found (apt-get install chromium)\n`);
const describeInBrowser = available ? describe : describe.skip;
const CLIENT = { client_id: 'refresh-auth-browser', client_secret: 'upstream-client-secret-of-the-browser-test' };

describeInBrowser('signing in through a provider on the account page (headless Chromium)', () => {
  let t: ListeningApp;
  let upstream: UpstreamOidc;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const upstreamPort = await freePort();
    t = await startListeningApp({
      AUTH_COOKIE_SECURE: 'false',
      AUTH_OIDC_CORP_ISSUER: `http://127.0.0.1:${upstreamPort}`,
      AUTH_OIDC_CORP_CLIENT_ID: CLIENT.client_id,
      AUTH_OIDC_CORP_CLIENT_SECRET: CLIENT.client_secret,
    });
    upstream = await UpstreamOidc.start({
      port: upstreamPort,
      clients: [{ ...CLIENT, redirect_uris: [`${t.url}/auth/oidc/corp/callback`] }],
      accounts: { alice: { email: 'alice@corp.example' }, bob: { email: 'bob@corp.example' } },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await upstream?.stop();
  });

  async function device(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/account`);
    await page.locator('#loading').waitFor({ state: 'hidden' });
    return page;
  }

  const username = (page: Page) => page.locator('#username');
  const identities = (page: Page) => page.locator('#identity-list > li');

  it('signs up by provider, signs out, signs in again as the same user', async () => {
    const page = await device();
    await upstream.signInNextAs('alice');
    await page.getByRole('button', { name: 'Sign in with Corp' }).click();
    await page.getByRole('heading', { name: 'Your devices' }).waitFor();
    const name = await username(page).textContent();
    expect(name).toBeTruthy();
    expect(page.url()).toBe(`${t.url}/account`); // the #signed-in= fragment is gone from the address bar
    await identities(page).filter({ hasText: 'Corp' }).waitFor();
    // The only way in: unlinking it is refused, in words.
    await page.getByRole('button', { name: 'Unlink Corp' }).click();
    await page
      .locator('#identities-error')
      .filter({ hasText: /last way left to sign in/ })
      .waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Sign in with Corp' }).click();
    await page.getByRole('heading', { name: 'Your devices' }).waitFor();
    expect(await username(page).textContent()).toBe(name);
  });

  it('links a provider to an account with a password, which then signs in with it; unlinks it', async () => {
    const user = credentials();
    expect((await httpCall(t.url, 'POST', '/users', user)).status).toBe(201);
    const page = await device();
    await page.getByLabel('Username').first().fill(user.username);
    await page.getByLabel('Password', { exact: true }).first().fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Your devices' }).waitFor();
    await page.locator('#identities-none').waitFor();

    await upstream.signInNextAs('bob');
    await page.getByRole('button', { name: 'Link Corp' }).click();
    await identities(page).filter({ hasText: 'Corp' }).waitFor();
    expect(await username(page).textContent()).toBe(user.username);

    const other = await device();
    await other.getByRole('button', { name: 'Sign in with Corp' }).click();
    await other.getByRole('heading', { name: 'Your devices' }).waitFor();
    expect(await username(other).textContent()).toBe(user.username);

    await page.getByRole('button', { name: 'Unlink Corp' }).click();
    await page.locator('#identities-none').waitFor();
    await page.getByRole('button', { name: 'Link Corp' }).waitFor();
  });
});
