import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, ListeningApp, startListeningApp } from './support/app';
import { controlAppClock, ManualClock } from './support/clock';
import { credentials } from './support/factories';
import { httpCall } from './support/http-client';
import { SmtpSink } from './support/smtp-sink';
import { browserSuite, launchChromium } from './support/chromium';

/*
 * The account page and recent authentication (issue 24 item 2) in headless Chromium: changing the
 * email after AUTH_REAUTH_MAX_AGE asks for the password beside the form and sends the change once
 * more. The server's clock is moved; the page never holds a token (cookie mode).
 */
const describeInBrowser = browserSuite('account page tests');
const ELEVEN_MINUTES = 11 * 60_000;
/** Where the page's screenshots go (docs/account/README.md lists them). */
const SHOTS = join(__dirname, '..', 'docs', 'account');

describeInBrowser('the account page asks for the password before an email change', () => {
  let t: ListeningApp;
  let sink: SmtpSink;
  let browser: Browser;
  let clock: ManualClock;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    sink = await new SmtpSink(await freePort()).start();
    t = await startListeningApp({ AUTH_COOKIE_SECURE: 'false', SMTP_URL: sink.url });
    browser = await launchChromium();
  }, 60_000);
  beforeEach(() => (clock = controlAppClock(t.app)));
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  /** A signed-in page, and the email requests (method and path) it sends. */
  async function signedInPage(): Promise<{ page: Page; user: { username: string; password: string }; sent: string[] }> {
    const user = credentials();
    expect((await httpCall(t.url, 'POST', '/users', user)).status).toBe(201);
    const context = await browser.newContext();
    contexts.push(context);
    // These tests move only the server's clock; a DPoP-bound page dates its proofs by the server's
    // Date header (real time), so it runs unbound here (no IndexedDB, no key): the prompt is the point.
    await context.addInitScript(() => Reflect.deleteProperty(globalThis, 'indexedDB'));
    const page = await context.newPage();
    const sent: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path === '/me/email' && request.method() === 'PUT') sent.push('PUT /me/email');
      if (path === '/auth/reauthenticate') sent.push('POST /auth/reauthenticate');
    });
    await page.goto(`${t.url}/account`);
    await page.locator('#loading').waitFor({ state: 'hidden' });
    await page.getByLabel('Username').first().fill(user.username);
    await page.getByLabel('Password', { exact: true }).first().fill(user.password);
    await page.locator('#sign-in-keep').check();
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Your devices' }).waitFor();
    return { page, user, sent };
  }

  async function saveEmail(page: Page, email: string): Promise<void> {
    await page.getByLabel('Email address', { exact: true }).fill(email);
    await page.getByRole('button', { name: 'Save email' }).click();
  }

  it('asks for the password, says when it is wrong, and then saves the address with one retry', async () => {
    const { page, user, sent } = await signedInPage();
    clock.advance(ELEVEN_MINUTES);
    const email = `reauth.${Date.now()}@example.com`;
    await saveEmail(page, email);

    const prompt = page.locator('#reauth-form');
    await prompt.waitFor({ state: 'visible' });
    await page.getByLabel('Your password').fill('not my password');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#reauth-error').filter({ hasText: 'That password is not right.' }).waitFor();
    await expect(prompt.isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(SHOTS, 'reauthenticate.png'), fullPage: true });

    await page.getByLabel('Your password').fill(user.password);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await prompt.waitFor({ state: 'hidden' });
    await page
      .locator('#email-state')
      .filter({ hasText: `We sent a link to ${email}.` })
      .waitFor();
    expect(sent).toEqual(['PUT /me/email', 'POST /auth/reauthenticate', 'POST /auth/reauthenticate', 'PUT /me/email']);
    await expect(page.locator('#email-error').isVisible()).resolves.toBe(false);
  });

  it('a cancelled prompt changes nothing and says so', async () => {
    const { page, sent } = await signedInPage();
    clock.advance(ELEVEN_MINUTES);
    await saveEmail(page, `cancelled.${Date.now()}@example.com`);
    await page.locator('#reauth-form').waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('#email-error').filter({ hasText: 'The email was not changed: confirm your password to change it.' }).waitFor();
    await expect(page.locator('#reauth-form').isVisible()).resolves.toBe(false);
    expect(sent).toEqual(['PUT /me/email']);
    await expect(page.locator('#email-state').textContent()).resolves.toMatch(/No email address yet/);
  });
});
