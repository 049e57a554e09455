import * as OTPAuth from 'otpauth';
import { AuthClient, AuthError, createAuthClient, LoggedInUser, SecondStep, TokenStorage } from '../sdk/src/index';
import { Clock } from '../src/common/clock';
import { ListeningApp, startListeningApp } from './support/app';
import { controlAppClock } from './support/clock';
import { credentials } from './support/factories';

/*
 * The sdk and second factors (issue 26, API.md §11) in header mode, against the real server: a login
 * that needs a second factor resolves to a second step, which a TOTP or recovery code finishes; a
 * recent-authentication 401 of auth.fetch is answered by the app's hook with a code. Passkeys need a
 * browser: test/factors-browser.e2e-spec.ts.
 */
const ELEVEN_MINUTES = 11 * 60_000;

function memory(): TokenStorage {
  const items = new Map<string, string>();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

describe('the sdk and second factors', () => {
  let t: ListeningApp;
  const clients: AuthClient[] = [];
  beforeAll(async () => (t = await startListeningApp()));
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await t.close();
  });

  function client(onReauthenticate?: () => Promise<boolean | void>): { auth: AuthClient; sent: string[] } {
    const sent: string[] = [];
    const auth = createAuthClient({
      baseUrl: t.url,
      transport: 'header',
      storage: memory(),
      fetch: (input, init) => {
        const request = new Request(input, init);
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        return fetch(request);
      },
      onReauthenticate,
    });
    clients.push(auth);
    return { auth, sent };
  }

  /** The code of the server's clock, `steps` periods on (each code is accepted once). */
  function code(secret: string, steps = 0): string {
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    return totp.generate({ timestamp: t.app.get(Clock).now() + steps * 30_000 });
  }

  /** A user with TOTP on, enrolled through the sdk: the secret and the recovery codes. */
  async function userWithTotp() {
    const user = credentials();
    const { auth } = client();
    await auth.signUp(user);
    await auth.login(user);
    const { secret, otpauthUri } = await auth.factors.totp.begin();
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const recoveryCodes = await auth.factors.totp.confirm(code(secret));
    expect(recoveryCodes).toHaveLength(10);
    expect(await auth.factors.list()).toEqual({ totp: true, passkeys: [], recoveryCodesLeft: 10 });
    await auth.logout();
    return { user, secret, recoveryCodes: recoveryCodes as string[] };
  }

  it('login resolves to a second step, no session yet; a wrong code rejects and a right one signs in, permanent as asked', async () => {
    const { user, secret } = await userWithTotp();
    const { auth, sent } = client();
    const step = (await auth.login({ ...user, permanent: true })) as SecondStep;
    expect(step).toMatchObject({ mfaRequired: true, expiresIn: expect.any(Number) });
    expect([...step.methods].sort()).toEqual(['recovery_code', 'totp']);
    expect(auth.state).toEqual({ status: 'signed-out', reason: null });

    const wrong = String((Number(code(secret)) + 500_000) % 1_000_000).padStart(6, '0');
    await expect(step.completeWithCode(wrong)).rejects.toBeInstanceOf(AuthError);
    expect(auth.state.status).toBe('signed-out');

    const me = await step.completeWithCode(code(secret, 1));
    expect(me).toMatchObject({ username: user.username, clientId: expect.any(String) });
    expect(auth.state).toMatchObject({ status: 'signed-in', user: me, permanent: true, refreshExpiresAt: expect.any(Number) });
    expect(await auth.refresh()).toBe(true);
    expect(sent.filter((s) => s === 'POST /auth/mfa')).toHaveLength(2);
  });

  it('a recovery code finishes a login once; the code is told apart from a TOTP code by its shape', async () => {
    const { user, recoveryCodes } = await userWithTotp();
    const { auth } = client();
    const step = (await auth.login(user)) as SecondStep;
    const me = (await step.completeWithCode(recoveryCodes[0])) as LoggedInUser;
    expect(me.username).toBe(user.username);
    expect((await auth.factors.list()).recoveryCodesLeft).toBe(9);
    await auth.logout();

    const again = (await auth.login(user)) as SecondStep;
    await expect(again.completeWithCode(recoveryCodes[0], 'recovery_code')).rejects.toBeInstanceOf(AuthError);
    expect(auth.state.status).toBe('signed-out');
  });

  it('auth.fetch on a recent-authentication route asks the hook, which reauthenticates with a TOTP code, and retries once', async () => {
    const { user, secret } = await userWithTotp();
    let asked = 0;
    const { auth, sent } = client(async () => {
      asked += 1;
      await auth.reauthenticate({ method: 'totp', code: code(secret) });
    });
    const step = (await auth.login({ ...user, permanent: true })) as SecondStep;
    await step.completeWithCode(code(secret, 1));
    controlAppClock(t.app).advance(ELEVEN_MINUTES);
    sent.length = 0;
    const response = await auth.fetch(`${t.url}/me/recovery-codes`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { recoveryCodes: string[] }).recoveryCodes).toHaveLength(10);
    expect(asked).toBe(1);
    expect(sent).toEqual(['POST /me/recovery-codes', 'POST /auth/reauthenticate', 'POST /me/recovery-codes']);
  });

  it("completeRedirect: a provider's #mfa= resolves to a second step that opens the session (cookie mode)", async () => {
    const { user, secret } = await userWithTotp();
    // The fragment GET /auth/oidc/<name>/callback leaves for a user with a factor (test/providers.e2e-spec.ts).
    const stopped = await fetch(`${t.url}/auth?permanent=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    expect(stopped.status).toBe(403);
    const { mfaToken, methods, expiresIn } = (await stopped.json()) as { mfaToken: string; methods: string[]; expiresIn: number };
    const fragment = (body: unknown) => `#mfa=${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
    const jar = new Map<string, string>();
    const auth = createAuthClient({
      baseUrl: t.url,
      transport: 'cookie',
      storage: memory(),
      fetch: async (input, init) => {
        const request = new Request(input, init);
        if (jar.size > 0) request.headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
        const response = await fetch(request);
        for (const line of response.headers.getSetCookie()) {
          const [pair] = line.split(';');
          jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
        }
        return response;
      },
    });
    clients.push(auth);
    await expect(auth.completeRedirect(fragment({ mfaToken }))).resolves.toBeNull();
    await expect(auth.completeRedirect('#mfa=not-json')).resolves.toBeNull();
    const step = (await auth.completeRedirect(fragment({ mfaToken, methods, expiresIn, permanent: true }))) as SecondStep;
    expect(step).toMatchObject({ mfaRequired: true, expiresIn });
    expect([...step.methods].sort()).toEqual(['recovery_code', 'totp']);
    expect(auth.state.status).toBe('signed-out');
    const me = await step.completeWithCode(code(secret, 1));
    expect(me.username).toBe(user.username);
    expect(auth.state).toMatchObject({ status: 'signed-in', user: me, permanent: true });
    // The session is in the cookies the server set: the sdk's next request carries them.
    expect((await auth.me()).username).toBe(user.username);
  });

  it('a login with no second factor still resolves to the user', async () => {
    const user = credentials();
    const { auth } = client();
    await auth.signUp(user);
    const result = await auth.login(user);
    expect('mfaRequired' in result).toBe(false);
    expect(result).toMatchObject({ username: user.username });
  });
});
