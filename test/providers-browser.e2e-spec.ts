import { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, ListeningApp, startListeningApp } from './support/app';
import { credentials } from './support/factories';
import { bearerHeader, httpCall } from './support/http-client';
import { linkToken, SmtpSink } from './support/smtp-sink';
import { UpstreamOidc } from './support/upstream-oidc';
import { MailOutboxService } from '../src/mail';
import { browserSuite, launchChromium } from './support/chromium';
import { totpCode } from '../src/factors/totp-code';

/*
 * The redirect dance in headless Chromium, on the account page: sign up by provider, sign out, sign in
 * again, link a provider to an account with a password, unlink it. oidc-provider is the upstream.
 */
const describeInBrowser = browserSuite('provider browser tests');
const CLIENT = { client_id: 'refresh-auth-browser', client_secret: 'upstream-client-secret-of-the-browser-test' };

describeInBrowser('providers and email sign-in on the account page (headless Chromium)', () => {
  let t: ListeningApp;
  let upstream: UpstreamOidc;
  let browser: Browser;
  let sink: SmtpSink;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const upstreamPort = await freePort();
    sink = await new SmtpSink(await freePort()).start();
    t = await startListeningApp({
      AUTH_COOKIE_SECURE: 'false',
      SMTP_URL: sink.url,
      AUTH_OIDC_CORP_ISSUER: `http://127.0.0.1:${upstreamPort}`,
      AUTH_OIDC_CORP_CLIENT_ID: CLIENT.client_id,
      AUTH_OIDC_CORP_CLIENT_SECRET: CLIENT.client_secret,
    });
    upstream = await UpstreamOidc.start({
      port: upstreamPort,
      clients: [{ ...CLIENT, redirect_uris: [`${t.url}/auth/oidc/corp/callback`] }],
      accounts: { alice: { email: 'alice@corp.example' }, bob: { email: 'bob@corp.example' }, carol: { email: 'carol@corp.example' } },
    });
    browser = await launchChromium();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await upstream?.stop();
    await sink?.stop();
  });

  /** A device (its own profile) with the account page open, at `url` (say, a mailed link). */
  async function device(url = `${t.url}/account`): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url);
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

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
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

  it("a user with a second factor: the provider's sign-in goes on to the page's second step, which a recovery code finishes", async () => {
    const user = credentials();
    expect((await httpCall(t.url, 'POST', '/users', user)).status).toBe(201);
    const page = await device();
    await page.getByLabel('Username').first().fill(user.username);
    await page.getByLabel('Password', { exact: true }).first().fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Your devices' }).waitFor();
    await upstream.signInNextAs('carol');
    await page.getByRole('button', { name: 'Link Corp' }).click();
    await identities(page).filter({ hasText: 'Corp' }).waitFor();
    // TOTP on, through the API (the page's enrolment has its own test): the recovery codes finish the sign-in below.
    const session = (await httpCall(t.url, 'POST', '/auth', user)).body.token.accessToken as string;
    const { secret } = (await httpCall(t.url, 'POST', '/me/totp', undefined, bearerHeader(session))).body as { secret: string };
    const confirmed = await httpCall(t.url, 'POST', '/me/totp/confirm', { code: totpCode(secret, Date.now()) }, bearerHeader(session));
    expect(confirmed.status).toBe(200);

    const other = await device();
    await other.getByRole('button', { name: 'Sign in with Corp' }).click();
    await other.locator('#second-step').waitFor();
    expect(new URL(other.url()).hash).toBe(''); // the #mfa= fragment is gone from the address bar
    // Only this step on screen: not the other ways to sign in.
    await expect(other.locator('#sign-in').isVisible()).resolves.toBe(false);
    await expect(other.locator('#email-sign-in').isVisible()).resolves.toBe(false);
    await other.locator('#second-step-code').fill((confirmed.body as { recoveryCodes: string[] }).recoveryCodes[0]);
    await other.locator('#second-step').getByRole('button', { name: 'Continue' }).click();
    await other.getByRole('heading', { name: 'Your devices' }).waitFor();
    expect(await username(other).textContent()).toBe(user.username);
  });

  /** The last mail to the address, once the outbox has sent what is due. */
  async function lastMailTo(address: string) {
    await t.app.get(MailOutboxService).deliverDue();
    await t.app.get(MailOutboxService).deliverDue();
    const mails = sink.to(address);
    expect(mails.length).toBeGreaterThan(0);
    return mails[mails.length - 1];
  }

  it('signs in by email: the code typed on the page, and the mailed link opened on another device', async () => {
    const email = `mailed.${Date.now()}@example.com`;
    const user = credentials();
    expect((await httpCall(t.url, 'POST', '/users', { ...user, email })).status).toBe(201);
    const verify = linkToken(await lastMailTo(email), 'verify');
    const session = await httpCall(t.url, 'POST', '/auth', user);
    expect((await httpCall(t.url, 'POST', '/me/email/verify', { token: verify }, bearerHeader(session.body.token.accessToken))).status).toBe(204);

    const page = await device();
    await page.getByLabel('Email address for a code').fill(email);
    await page.getByRole('button', { name: 'Email me a code' }).click();
    await page
      .locator('#email-sign-in-status')
      .filter({ hasText: /a code is on its way/ })
      .waitFor();
    const mail = await lastMailTo(email);
    const code = /type the code (\d{6})/.exec(mail.decoded)![1];
    await page.getByLabel('Code from the mail').fill(code);
    await page.locator('#email-sign-in-submit').click();
    await page.getByRole('heading', { name: 'Your devices' }).waitFor();
    expect(await username(page).textContent()).toBe(user.username);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    expect((await httpCall(t.url, 'POST', '/auth/email', { email })).status).toBe(202);
    const link = /(http:\/\/[^\s"<>]+\/account#token=[A-Za-z0-9_-]+)/.exec((await lastMailTo(email)).decoded)![1];
    const other = await device(link);
    await other.getByRole('heading', { name: 'Your devices' }).waitFor();
    expect(await username(other).textContent()).toBe(user.username);
    expect(other.url()).toBe(`${t.url}/account`);
  });
});
