import { createServer, type Server } from 'node:http';
import * as client from 'openid-client';
import { type Browser } from 'playwright-core';
import { freePort, type ListeningApp, startListeningApp } from './support/app';
import { credentials } from './support/factories';
import { adminOf, registerApp, relyingParty } from './support/relying-party';
import { browserSuite, launchChromium } from './support/chromium';

/*
 * The browser's part of API.md §13 in headless Chromium: the app's redirect to /authorize, the
 * account page's sign-in (with the way back), the consent page, and the redirect back to the app,
 * whose code openid-client then exchanges.
 */
const describeInBrowser = browserSuite('identity provider browser tests');

describeInBrowser('signing in to another app through us (headless Chromium)', () => {
  let t: ListeningApp;
  let browser: Browser;
  let rp: Server;
  let callbackBase: string;

  beforeAll(async () => {
    t = await startListeningApp({ AUTH_COOKIE_SECURE: 'false' });
    // The second app's callback: it only has to answer, the test reads the URL the browser reached.
    const port = await freePort();
    rp = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('the second app'));
    await new Promise<void>((resolve) => rp.listen(port, '127.0.0.1', resolve));
    callbackBase = `http://127.0.0.1:${port}`;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => rp?.close(resolve));
    await t?.close();
  });

  it('redirect, sign-in on the account page, consent, back to the app with a code it exchanges; then straight back, and prompt=login asks again', async () => {
    const admin = await adminOf(t);
    const redirectUri = `${callbackBase}/callback`;
    const app = await registerApp(t, admin, { name: 'Photo printer', firstParty: false, redirectUris: [redirectUri] });
    const config = await relyingParty(t, app);
    const user = credentials();
    expect(
      (await fetch(`${t.url}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) })).status,
    ).toBe(201);

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      login_hint: user.username,
    });

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url.toString());
    // No session: the account page's sign-in, the username filled from login_hint.
    await page.waitForURL((reached) => reached.pathname === '/account');
    await page.locator('#loading').waitFor({ state: 'hidden' });
    await expect(page.locator('#sign-in-username').inputValue()).resolves.toBe(user.username);
    await page.getByLabel('Password', { exact: true }).first().fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    // Back at /authorize: a third-party app asks for consent.
    await page.getByRole('heading', { name: 'Allow Photo printer?' }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((reached) => reached.toString().startsWith(redirectUri));

    const callback = new URL(page.url());
    expect(callback.searchParams.get('iss')).toBe(t.url);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()!.nonce).toBe(nonce);

    // A second sign-in of the same app: no sign-in form, no consent page, straight back.
    const second = new URL(url);
    second.searchParams.set('state', 'again');
    await page.goto(second.toString());
    await page.waitForURL((reached) => reached.toString().startsWith(redirectUri) && reached.searchParams.get('state') === 'again');

    // prompt=login: the account page asks for the password again, even though the user is signed in.
    const fresh = new URL(url);
    fresh.searchParams.set('state', 'fresh');
    fresh.searchParams.set('prompt', 'login');
    // The page ends the signed-in session first: wait for that, or the form could be filled in before it.
    const loggedOut = page.waitForResponse((response) => new URL(response.url()).pathname === '/auth/logout');
    await page.goto(fresh.toString());
    await page.waitForURL((reached) => reached.pathname === '/account');
    await loggedOut;
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    await page.getByLabel('Username').first().fill(user.username);
    await page.getByLabel('Password', { exact: true }).first().fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((reached) => reached.toString().startsWith(redirectUri) && reached.searchParams.get('state') === 'fresh');
    await context.close();
  }, 60_000);
});
