import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { Browser, BrowserContext, CDPSession, Locator, Page } from 'playwright-core';
import { Clock } from '../src/common/clock';
import { freePort, startApp, TestApp, UNLIMITED_ADDRESS } from './support/app';
import { controlAppClock } from './support/clock';
import { credentials } from './support/factories';
import { httpCall } from './support/http-client';
import { browserSuite, launchChromium } from './support/chromium';

/*
 * Second factors on the account page (issue 26, API.md §11) in headless Chromium. A CDP virtual
 * authenticator (a platform authenticator with user verification, like a laptop's fingerprint reader)
 * stands for the user's device; the test computes TOTP codes from the key the page shows. The service
 * is reached as http://localhost: WebAuthn needs a domain as the relying party id, not an address.
 * Screenshots of the new parts go to docs/account/, as the account page's other tests do.
 */
const describeInBrowser = browserSuite('factor browser tests');
const SHOTS = join(__dirname, '..', 'docs', 'account');
const ELEVEN_MINUTES = 11 * 60_000;

interface Credential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

interface Device {
  page: Page;
  credentials(): Promise<Credential[]>;
  /** Every request the page sent, as "METHOD /path". */
  sent: string[];
}

describeInBrowser('second factors on the account page (headless Chromium, virtual authenticator)', () => {
  let t: TestApp;
  let url: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const port = await freePort();
    url = `http://localhost:${port}`;
    t = await startApp({ PORT: String(port), AUTH_ISSUER: url, AUTH_PUBLIC_URL: url, AUTH_COOKIE_SECURE: 'false', ...UNLIMITED_ADDRESS });
    await t.app.listen(port, '127.0.0.1');
    browser = await launchChromium(['--host-resolver-rules=MAP localhost 127.0.0.1']);
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /**
   * A device: its own browser profile and authenticator (holding `credential`, if given), with the
   * account page open. `autofill`: the browser offers passkeys in the username's autofill (conditional
   * mediation), where the virtual authenticator picks one at once; otherwise the browser says it
   * cannot, so that only the buttons start a passkey ceremony.
   */
  async function device(options: { autofill?: boolean; credential?: Credential } = {}): Promise<Device> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, acceptDownloads: true });
    contexts.push(context);
    if (!options.autofill)
      await context.addInitScript(() => {
        const credentials = (globalThis as any).PublicKeyCredential;
        if (credentials) credentials.isConditionalMediationAvailable = () => Promise.resolve(false);
      });
    const page = await context.newPage();
    const sent: string[] = [];
    page.on('request', (request) => void sent.push(`${request.method()} ${new URL(request.url()).pathname}`));
    const cdp: CDPSession = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    if (options.credential) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: options.credential });
    await page.goto(`${url}/account`);
    await page.locator('#loading').waitFor({ state: 'hidden' });
    return {
      page,
      sent,
      credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as Credential[],
    };
  }

  async function newUser(): Promise<{ username: string; password: string }> {
    const user = credentials();
    expect((await httpCall(url, 'POST', '/users', user)).status).toBe(201);
    return user;
  }

  const signedIn = (page: Page) => page.getByRole('heading', { name: 'Your devices' }).waitFor();
  const signedOut = (page: Page) => page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();

  /** Types the password and presses Sign in: the page then shows either the devices or the second step. */
  async function enterPassword(page: Page, user: { username: string; password: string }): Promise<void> {
    await page.getByLabel('Username').first().fill(user.username);
    await page.getByLabel('Password', { exact: true }).first().fill(user.password);
    await page.locator('#sign-in-keep').check();
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async function signOut(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await signedOut(page);
  }

  /** Waits until the element shows this text (a string: exactly). */
  async function shows(locator: Locator, text: string | RegExp): Promise<void> {
    const exact = typeof text === 'string' ? new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : text;
    await locator.filter({ hasText: exact }).first().waitFor({ timeout: 10_000 });
  }

  /** The claims of the access token in the page's (HttpOnly) cookie. */
  async function accessClaims(page: Page): Promise<{ amr?: string[]; auth_time?: number }> {
    const jwt = (await page.context().cookies()).find((cookie) => cookie.name === 'access-token');
    expect(jwt).toBeDefined();
    return JSON.parse(Buffer.from((jwt as { value: string }).value.split('.')[1], 'base64url').toString()) as { amr?: string[] };
  }

  /** Sets up an authenticator app through the page (the recovery codes put away); its key. */
  async function turnOnTotp(page: Page): Promise<string> {
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.locator('#totp-setup').waitFor();
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
    await page.getByLabel('Code from the app').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    return secret;
  }

  /** The TOTP code of the server's clock (the tests may move it), `steps` periods on. */
  function totpCode(secret: string, steps = 0): string {
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    return totp.generate({ timestamp: t.app.get(Clock).now() + steps * 30_000 });
  }

  it('a passkey enrolled on the page signs in without a password, serves as a second factor, and is removed with the device it signed in', async () => {
    const user = await newUser();
    const laptop = await device();
    const { page } = laptop;
    await enterPassword(page, user);
    await signedIn(page);
    await shows(page.locator('#no-passkeys'), 'No passkey yet.');

    await page.getByLabel('Name for a new passkey on this device').fill('Work laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    const passkey = page.locator('#passkeys > li');
    await shows(passkey.locator('.name'), 'Work laptop');
    await shows(passkey.locator('.detail'), /^added (just now|\d+ seconds? ago) · never used yet · no device signed in with it now$/);
    // The first factor brings recovery codes, shown once.
    await expect(page.locator('#recovery-list > li').count()).resolves.toBe(10);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    // A discoverable credential of this service, on the authenticator.
    expect(await laptop.credentials()).toEqual([expect.objectContaining({ isResidentCredential: true, rpId: 'localhost' })]);
    await page.screenshot({ path: join(SHOTS, 'passkeys.png'), fullPage: true });

    await signOut(page);
    laptop.sent.length = 0;
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await signedIn(page);
    expect(laptop.sent).toContain('POST /auth/passkey');
    expect(laptop.sent).not.toContain('POST /auth');
    const amr = (await accessClaims(page)).amr;
    expect(amr).toEqual(expect.arrayContaining(['hwk', 'user']));
    expect(amr).not.toContain('pwd');
    await shows(passkey.locator('.detail'), /· last used (just now|\d+ seconds? ago) · 1 device signed in with it now \(this one\)$/);

    // As a second factor: the right password alone is not enough.
    await signOut(page);
    await enterPassword(page, user);
    await page.locator('#second-step').waitFor();
    await shows(page.locator('#second-step-hint'), 'Enter one of your recovery codes.');
    await page.screenshot({ path: join(SHOTS, 'second-step.png'), fullPage: true });
    await page.getByRole('button', { name: 'Use a passkey instead' }).click();
    await signedIn(page);
    expect((await accessClaims(page)).amr).toEqual(expect.arrayContaining(['pwd', 'hwk', 'mfa']));

    // Removing it asks about the devices it signed in; this one is among them and signs out.
    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await signedIn(page);
    await page.getByRole('button', { name: 'Remove passkey Work laptop' }).click();
    await shows(passkey.locator('form .detail'), 'Remove Work laptop? 1 device signed in with it now (this one): sign it out too?');
    await page.screenshot({ path: join(SHOTS, 'passkey-remove.png'), fullPage: true });
    await page.getByRole('button', { name: 'Remove and sign out 1 device' }).click();
    await signedOut(page);
    await shows(page.locator('#notice'), 'The passkey was removed, and the devices it signed in were signed out, this one too.');

    // Gone from the account: the password is enough again, and the passkey no longer signs in.
    await enterPassword(page, user);
    await signedIn(page);
    await shows(page.locator('#no-passkeys'), 'No passkey yet.');
    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await shows(page.locator('#sign-in-error'), 'That passkey did not sign you in. It may have been removed from your account.');
  }, 90_000);

  it("a passkey synced to a phone signs in from the phone browser's autofill; removed on the laptop with its devices, the phone signs out as it happens", async () => {
    const user = await newUser();
    const laptop = await device();
    await enterPassword(laptop.page, user);
    await signedIn(laptop.page);
    await laptop.page.getByLabel('Name for a new passkey on this device').fill('Synced key');
    await laptop.page.getByRole('button', { name: 'Add a passkey' }).click();
    await laptop.page.locator('#recovery-codes').waitFor();

    // The phone's browser offers the passkey in the username's autofill as the page opens (conditional
    // mediation); the virtual authenticator picks it at once, as a user would: no password, no button.
    const phone = await device({ autofill: true, credential: (await laptop.credentials())[0] });
    await signedIn(phone.page);
    expect(phone.sent).toContain('POST /auth/passkey');
    expect(phone.sent).not.toContain('POST /auth');
    await phone.page.locator('html[data-live="open"]').waitFor();

    await laptop.page.getByRole('button', { name: 'Check again' }).click();
    const passkey = laptop.page.locator('#passkeys > li');
    await shows(passkey.locator('.detail'), /· 1 device signed in with it now$/);
    await laptop.page.getByRole('button', { name: 'Remove passkey Synced key' }).click();
    await shows(passkey.locator('form .detail'), 'Remove Synced key? 1 device signed in with it now: sign it out too?');
    await laptop.page.getByRole('button', { name: 'Remove and sign out 1 device' }).click();
    await shows(laptop.page.locator('#no-passkeys'), 'No passkey yet.');
    // The phone hears of its ending on its event stream; the laptop, signed in by the password, stays.
    await signedOut(phone.page);
    await shows(phone.page.locator('#notice'), 'This device was signed out because the passkey it signed in with was removed.');
    await expect(laptop.page.getByRole('heading', { name: 'Your devices' }).isVisible()).resolves.toBe(true);
  }, 60_000);

  it('a passkey is renamed, and removed alone while the devices it signed in stay', async () => {
    const user = await newUser();
    const { page } = await device();
    await enterPassword(page, user);
    await signedIn(page);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    const passkey = page.locator('#passkeys > li');
    await passkey.waitFor();
    await page.getByRole('button', { name: /^Rename passkey / }).click();
    await passkey.getByRole('textbox').fill('Phone');
    await passkey.getByRole('button', { name: 'Save' }).click();
    await shows(passkey.locator('.name'), 'Phone');

    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await signedIn(page);
    await shows(passkey.locator('.detail'), /· 1 device signed in with it now \(this one\)$/);
    await page.getByRole('button', { name: 'Remove passkey Phone' }).click();
    await page.getByRole('button', { name: 'Remove only' }).click();
    await shows(page.locator('#no-passkeys'), 'No passkey yet.');
    await expect(page.locator('#devices > li').count()).resolves.toBe(1);
  }, 60_000);

  it('TOTP: enrolled through the page with its QR code and key, recovery codes shown once with a download, then the second step takes a code or a recovery code', async () => {
    const user = await newUser();
    const { page } = await device();
    await enterPassword(page, user);
    await signedIn(page);
    await shows(page.locator('#recovery-state'), 'Recovery codes come with your first authenticator app or passkey.');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.locator('#totp-setup').waitFor();
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    // The QR code is drawn on the page: a square canvas with dark modules on it.
    const qr = await page.locator('#totp-qr').evaluate((canvas: any) => {
      const pixels: Uint8ClampedArray = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let dark = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) dark += 1;
      return { width: canvas.width, height: canvas.height, dark };
    });
    expect(qr).toEqual({ width: 200, height: 200, dark: expect.any(Number) });
    expect(qr.dark).toBeGreaterThan(200 * 200 * 0.2);
    await page.screenshot({ path: join(SHOTS, 'totp-setup.png'), fullPage: true });

    const wrong = String((Number(totpCode(secret)) + 500_000) % 1_000_000).padStart(6, '0');
    await page.getByLabel('Code from the app').fill(wrong);
    await page.getByRole('button', { name: 'Turn on' }).click();
    await shows(page.locator('#totp-error'), 'That code is not right. Enter the code your app shows now, or a recovery code.');
    await page.getByLabel('Code from the app').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();

    const codes = page.locator('#recovery-list > li');
    await page.locator('#recovery-codes').waitFor();
    await expect(codes.count()).resolves.toBe(10);
    const shown = await codes.allTextContents();
    await shows(page.locator('#totp-state'), 'On: signing in with your password also asks for a code from your app.');
    await page.screenshot({ path: join(SHOTS, 'recovery-codes.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as a text file' }).click()]);
    expect(download.suggestedFilename()).toBe('recovery-codes.txt');
    const text = readFileSync(await download.path(), 'utf8');
    for (const code of shown) expect(text).toContain(code);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect(page.locator('#recovery-codes').isHidden()).resolves.toBe(true);
    await expect(codes.count()).resolves.toBe(0);
    await shows(page.locator('#recovery-state'), '10 unused recovery codes left.');

    // The enrolment's code is spent: the next period's is accepted (one step either side).
    await signOut(page);
    await enterPassword(page, user);
    await page.locator('#second-step').waitFor();
    await page.getByLabel('Code', { exact: true }).fill(totpCode(secret, 1));
    await page.getByRole('button', { name: 'Continue' }).click();
    await signedIn(page);
    expect((await accessClaims(page)).amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));

    await signOut(page);
    await enterPassword(page, user);
    await page.getByLabel('Code', { exact: true }).fill(shown[0]);
    await page.getByRole('button', { name: 'Continue' }).click();
    await signedIn(page);
    await shows(page.locator('#recovery-state'), '9 unused recovery codes left.');

    // A recovery code works once.
    await signOut(page);
    await enterPassword(page, user);
    await page.getByLabel('Code', { exact: true }).fill(shown[0]);
    await page.getByRole('button', { name: 'Continue' }).click();
    await shows(page.locator('#second-step-error'), 'That code is not right. Enter the code your app shows now, or a recovery code.');
  }, 90_000);

  it('the second step counts the last tries down, and after five wrong codes sends the user back to the password', async () => {
    const user = await newUser();
    const { page } = await device();
    await enterPassword(page, user);
    await signedIn(page);
    const secret = await turnOnTotp(page);
    await signOut(page);
    await enterPassword(page, user);
    const wrong = String((Number(totpCode(secret)) + 500_000) % 1_000_000).padStart(6, '0');
    const said: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      await page.getByLabel('Code', { exact: true }).fill(wrong);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('#second-step-error:not([hidden])').waitFor();
      said.push((await page.locator('#second-step-error').textContent()) ?? '');
      await page.evaluate(() => ((globalThis as any).document.getElementById('second-step-error').hidden = true));
    }
    const wrongCode = 'That code is not right. Enter the code your app shows now, or a recovery code.';
    expect(said).toEqual([wrongCode, wrongCode, `${wrongCode} 2 tries left.`, `${wrongCode} 1 try left.`, `${wrongCode} 0 tries left.`]);
    // The mfaToken is dead: even the right code now needs the password first.
    await page.getByLabel('Code', { exact: true }).fill(totpCode(secret, 1));
    await page.getByRole('button', { name: 'Continue' }).click();
    await shows(page.locator('#sign-in-error'), 'This sign-in took too long or had too many wrong codes. Sign in again.');
    await expect(page.locator('#second-step').isHidden()).resolves.toBe(true);
    await enterPassword(page, user);
    await page.getByLabel('Code', { exact: true }).fill(totpCode(secret, 1));
    await page.getByRole('button', { name: 'Continue' }).click();
    await signedIn(page);
  }, 60_000);

  it('TOTP turned off on the page: the last factor gone, its recovery codes go too, and the password alone signs in again', async () => {
    const user = await newUser();
    const { page } = await device();
    await enterPassword(page, user);
    await signedIn(page);
    await turnOnTotp(page);
    await shows(page.locator('#recovery-state'), '10 unused recovery codes left.');

    await page.getByRole('button', { name: 'Turn off' }).click();
    await shows(page.locator('#totp-state'), /^Off\./);
    await shows(page.locator('#recovery-state'), 'Recovery codes come with your first authenticator app or passkey.');
    await signOut(page);
    await enterPassword(page, user);
    await signedIn(page);
  }, 60_000);

  it('changing a sign-in method long after signing in asks for the password in that section, then goes on', async () => {
    const user = await newUser();
    const { page } = await device();
    // Only the server's clock moves here, and a DPoP-bound page dates its proofs by the server's Date header (real time):
    // this page runs unbound (no IndexedDB, so the sdk keeps no key) to test the prompt alone.
    await page.addInitScript(() => Reflect.deleteProperty(globalThis, 'indexedDB'));
    await page.reload();
    await enterPassword(page, user);
    await signedIn(page);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).waitFor();
    controlAppClock(t.app).advance(ELEVEN_MINUTES);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const prompt = page.locator('#factors-reauth-form');
    await prompt.waitFor();
    await page.getByLabel('Password again').fill('not my password');
    await prompt.getByRole('button', { name: 'Confirm' }).click();
    await shows(page.locator('#factors-reauth-error'), 'That password is not right.');
    await page.screenshot({ path: join(SHOTS, 'factors-reauthenticate.png'), fullPage: true });
    await page.getByLabel('Password again').fill(user.password);
    await prompt.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#totp-setup').waitFor();
    await expect(prompt.isHidden()).resolves.toBe(true);
  }, 60_000);
});
