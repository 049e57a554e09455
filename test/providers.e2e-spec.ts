import { EventEmitter2 } from '@nestjs/event-emitter';
import { SignJWT, importJWK } from 'jose';
import { DataSource } from 'typeorm';
import { freePort, ListeningApp, startListeningApp } from './support/app';
import { controlAppClock } from './support/clock';
import { UsersService } from '../src/auth';
import { bearer, login, signUp } from './support/factories';
import { RedirectBrowser } from './support/redirect-browser';
import { TcpProxy } from './support/tcp-proxy';
import { enrolTotp } from './support/totp-app';
import { signingJwk, UpstreamOidc } from './support/upstream-oidc';

/* Signing in through an upstream OpenID Connect provider (API.md §12), oidc-provider playing the upstream. */
const CLIENT = { client_id: 'refresh-auth-test', client_secret: 'upstream-client-secret-of-the-tests' };
const ACCESS_COOKIE = 'access-token';
let accounts = 0;

describe('signing in through an OpenID Connect provider', () => {
  let upstream: UpstreamOidc;
  let t: ListeningApp;
  const accountsAt: Record<string, { email: string; email_verified: boolean; preferred_username: string }> = {};
  const newAccount = () => {
    const id = `upstream-user-${++accounts}-${Date.now()}`;
    accountsAt[id] = { email: `${id}@corp.example`, email_verified: true, preferred_username: `corp${accounts}` };
    return id;
  };
  // Accounts the provider knows, made before it starts (it reads them once).
  const ids = Array.from({ length: 20 }, newAccount);
  let next = 0;
  const account = () => ids[next++];

  beforeAll(async () => {
    // The app finds the provider at its first sign-in, so the provider may start second, knowing our callback.
    const upstreamPort = await freePort();
    t = await startListeningApp({
      AUTH_COOKIE_SECURE: 'false',
      CORS_ORIGINS: 'http://app.example.test',
      AUTH_OIDC_CORP_ISSUER: `http://127.0.0.1:${upstreamPort}`,
      AUTH_OIDC_CORP_CLIENT_ID: CLIENT.client_id,
      AUTH_OIDC_CORP_CLIENT_SECRET: CLIENT.client_secret,
    });
    upstream = await UpstreamOidc.start({
      port: upstreamPort,
      clients: [{ ...CLIENT, redirect_uris: [`${t.url}/auth/oidc/corp/callback`] }],
      accounts: accountsAt,
    });
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.stop();
  });

  const isCallback = (url: URL) => url.pathname === '/auth/oidc/corp/callback';

  /** Starts a sign-in in `browser` and runs it at the provider, up to (not into) our callback. */
  async function toCallback(browser: RedirectBrowser, accountId: string, query = ''): Promise<URL> {
    await upstream.signInNextAs(accountId);
    return browser.followUntil(`${t.url}/auth/oidc/corp${query}`, isCallback);
  }

  async function me(browser: RedirectBrowser) {
    const response = await browser.request(`${t.url}/me`);
    const body = response.status === 200 ? ((await response.json()) as { id: string; username: string }) : null;
    return { status: response.status, body: body! };
  }

  it('signs up by provider: a cookie-mode session and a redirect to returnTo; the provider is listed', async () => {
    const browser = new RedirectBrowser();
    const callback = await toCallback(browser, account(), '?permanent=true&returnTo=%2Faccount%3Ftab%3Dx');
    expect(callback.searchParams.get('state')).toBeTruthy();
    const response = await browser.request(callback.href);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}${location.search}`).toBe(`${t.url}/account?tab=x`);
    // The body a cookie-mode POST /auth answers, for the app's sdk: the user and the deadlines, no token.
    const signedIn = JSON.parse(Buffer.from(/^#signed-in=([A-Za-z0-9_-]+)$/.exec(location.hash)![1], 'base64url').toString()) as object;
    expect(signedIn).toEqual({
      user: { id: expect.any(String), username: expect.any(String), clientId: expect.any(String) },
      token: { tokenType: 'Bearer', expiresIn: expect.any(Number), refreshExpiresAt: expect.any(String), sessionExpiresAt: expect.any(String) },
    });
    expect(browser.cookie(t.url, ACCESS_COOKIE)).toBeDefined();
    const { status, body } = await me(browser);
    expect(status).toBe(200);
    const policy = (await (await fetch(`${t.url}/.well-known/session-policy`)).json()) as { identityProviders: string[] };
    expect(policy.identityProviders).toEqual(['corp']);
    expect(body.username).toMatch(/^[A-Za-z0-9._-]{3,64}$/);
  });

  it('signs in again as the same user after signing out; GET /clients shows the provider', async () => {
    const id = account();
    const first = new RedirectBrowser();
    await first.request((await toCallback(first, id)).href);
    const { body: user } = await me(first);
    const logout = await first.request(`${t.url}/auth/logout`, { method: 'POST', headers: { 'x-session-transport': 'cookie' } });
    expect(logout.status).toBe(204);
    expect((await me(first)).status).toBe(401);
    await first.request((await toCallback(first, id)).href);
    expect((await me(first)).body.id).toBe(user.id);
    const clients = await (await first.request(`${t.url}/clients`)).json();
    expect(clients).toEqual([expect.objectContaining({ current: true, provider: 'corp' })]);
  });

  it('a header-mode app gets #code= at its returnTo and trades it once, within 60 s, for the POST /auth body', async () => {
    const browser = new RedirectBrowser();
    const returnTo = encodeURIComponent('http://app.example.test/signed-in');
    const callback = await toCallback(browser, account(), `?transport=header&permanent=true&returnTo=${returnTo}`);
    const response = await browser.request(callback.href);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('http://app.example.test/signed-in');
    expect(browser.cookie(t.url, ACCESS_COOKIE)).toBeUndefined();
    const code = /^#code=([A-Za-z0-9_-]{43})$/.exec(location.hash)![1];
    const { body } = await t.http.post('/auth/exchange').send({ code }).expect(200);
    expect(body.token).toEqual(expect.objectContaining({ accessToken: expect.any(String), refreshToken: expect.any(String) }));
    await t.http.get('/me').set('authorization', `Bearer ${body.token.accessToken}`).expect(200);
    await t.http.post('/auth/exchange').send({ code }).expect(400);

    const late = new RedirectBrowser();
    const lateCallback = await toCallback(late, account(), `?transport=header&returnTo=${returnTo}`);
    const lateCode = new URL((await late.request(lateCallback.href)).headers.get('location')!).hash.slice('#code='.length);
    const clock = controlAppClock(t.app);
    try {
      clock.advance(61_000);
      const refused = await t.http.post('/auth/exchange').send({ code: lateCode }).expect(400);
      expect(refused.body).toMatchObject({ reason: 'invalid_code' });
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('refuses a wrong state, and a callback in a browser that did not start the sign-in', async () => {
    const browser = new RedirectBrowser();
    const callback = await toCallback(browser, account());
    const forged = new URL(callback);
    forged.searchParams.set('state', 'a-state-we-never-issued');
    const wrong = await browser.request(forged.href);
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ statusCode: 400, reason: 'invalid_state' });
    // The victim's browser, sent the attacker's callback URL (login CSRF), has no login cookie.
    const victim = new RedirectBrowser();
    expect((await victim.request(callback.href)).status).toBe(400);
    expect(victim.cookie(t.url, ACCESS_COOKIE)).toBeUndefined();
    // Neither spent it: the browser that started it still finishes it.
    expect((await browser.request(callback.href)).status).toBe(303);
  });

  it('refuses a replayed callback, and a code from one sign-in injected into another', async () => {
    const browser = new RedirectBrowser();
    const callback = await toCallback(browser, account());
    const loginCookie = browser.cookie(t.url, 'oidc-login')!;
    expect((await browser.request(callback.href)).status).toBe(303);
    // Even with the login cookie put back (the callback cleared it), the state is spent.
    browser.setCookie(t.url, 'oidc-login', loginCookie);
    const replay = await browser.request(callback.href);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ reason: 'invalid_state' });

    const attacker = new RedirectBrowser();
    const stolen = await toCallback(attacker, account());
    const own = await toCallback(attacker, account());
    const injected = new URL(own);
    injected.searchParams.set('code', stolen.searchParams.get('code')!);
    const response = await attacker.request(injected.href);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ reason: 'upstream_rejected' });
    expect(attacker.cookie(t.url, ACCESS_COOKIE)).toBeUndefined();
  });

  /** A sign-in whose token response carries an ID token made by `forge` (given the nonce we sent). */
  async function withForgedIdToken(forge: (claims: { nonce: string; sub: string }) => Promise<string>) {
    const browser = new RedirectBrowser();
    const id = account();
    await upstream.signInNextAs(id);
    const start = await browser.request(`${t.url}/auth/oidc/corp`);
    const authorization = new URL(start.headers.get('location')!);
    const callback = await browser.followUntil(authorization.href, isCallback);
    await upstream.tamperNextIdToken(await forge({ nonce: authorization.searchParams.get('nonce')!, sub: id }));
    const response = await browser.request(callback.href);
    return { response, body: response.status === 400 ? await response.json() : null, browser };
  }

  async function idToken(claims: Record<string, unknown>, key = upstream.key) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(key, 'RS256'));
  }

  it('the forging works: an ID token made with the provider’s own key and the right claims is taken', async () => {
    const { response } = await withForgedIdToken(({ nonce, sub }) => idToken({ iss: upstream.issuer, aud: CLIENT.client_id, sub, nonce }));
    expect(response.status).toBe(303);
  });

  it.each([
    [
      'a wrong nonce',
      async ({ sub }: { nonce: string; sub: string }) => idToken({ iss: upstream.issuer, aud: CLIENT.client_id, sub, nonce: 'another-sign-in' }),
    ],
    ['another audience', async ({ sub, nonce }: { nonce: string; sub: string }) => idToken({ iss: upstream.issuer, aud: 'another-app', sub, nonce })],
    [
      'another issuer',
      async ({ sub, nonce }: { nonce: string; sub: string }) => idToken({ iss: 'http://127.0.0.1:1', aud: CLIENT.client_id, sub, nonce }),
    ],
    [
      'a key that is not the provider’s',
      async ({ sub, nonce }: { nonce: string; sub: string }) =>
        idToken({ iss: upstream.issuer, aud: CLIENT.client_id, sub, nonce }, await signingJwk('upstream-key')),
    ],
    [
      'an expired token',
      async ({ sub, nonce }: { nonce: string; sub: string }) =>
        new SignJWT({ iss: upstream.issuer, aud: CLIENT.client_id, sub, nonce })
          .setProtectedHeader({ alg: 'RS256', kid: upstream.key.kid })
          .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
          .setExpirationTime(Math.floor(Date.now() / 1000) - 1800)
          .sign(await importJWK(upstream.key, 'RS256')),
    ],
  ])('refuses an ID token with %s, and creates nobody', async (_name, forge) => {
    const { response, body, browser } = await withForgedIdToken(forge);
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ statusCode: 400, reason: 'upstream_rejected', provider: 'corp' });
    expect(browser.cookie(t.url, ACCESS_COOKIE)).toBeUndefined();
  });

  it.each([
    ['https://evil.example/steal'],
    ['//evil.example/steal'],
    ['/\\evil.example'],
    ['javascript:alert(1)'],
    ['http://app.example.test.evil.example/'],
    ['http://user@app.example.test/'],
    // Our own routes that redirect elsewhere: the browser would carry the #signed-in=, #mfa= or #code= fragment along.
    ['/authorize?client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&prompt=none'],
    ['/%61uthorize?client_id=app'],
    ['/account/../authorize'],
    ['/auth/oidc/corp'],
    ['/logout?post_logout_redirect_uri=x'],
  ])('refuses returnTo=%s before anything starts (no open redirect)', async (returnTo) => {
    const response = await fetch(`${t.url}/auth/oidc/corp?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ reason: 'invalid_return_to' });
  });

  it('answers 404 for a provider that is not configured, and 400 for a bad query', async () => {
    expect((await fetch(`${t.url}/auth/oidc/nobody`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${t.url}/auth/oidc/corp?permanent=yes`, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(`${t.url}/auth/oidc/corp?transport=carrier-pigeon`, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(`${t.url}/auth/oidc/corp/callback`, { redirect: 'manual' })).status).toBe(400);
    await t.http.post('/auth/exchange').send({}).expect(400);
    await t.http
      .post('/auth/exchange')
      .send({ code: 'x'.repeat(43) })
      .expect(400);
  });

  it('never joins an existing account by a matching email: the provider user gets an account of its own', async () => {
    const id = account();
    const email = accountsAt[id].email;
    const owner = await signUp(t.http, { email } as never);
    expect(await t.app.get(UsersService).markEmailVerified(owner.id, email)).toBe(true);
    const browser = new RedirectBrowser();
    expect((await browser.request((await toCallback(browser, id)).href)).status).toBe(303);
    const { body } = await me(browser);
    expect(body.id).not.toBe(owner.id);
    const session = await login(t.http, owner);
    await t.http.get('/me/identities').set(bearer(session)).expect(200, []);
  });

  /** A user with a password, signed in (a fresh login counts as recent authentication). */
  async function passwordUser() {
    const user = await signUp(t.http);
    return { user, session: await login(t.http, user) };
  }

  /** Links the next sign-in at the provider as `accountId` to the session's user; the callback's response. */
  async function link(session: { accessToken: string }, accountId: string) {
    const browser = new RedirectBrowser();
    const started = await browser.request(`${t.url}/me/identities/corp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(started.status).toBe(200);
    const { url } = (await started.json()) as { url: string };
    await upstream.signInNextAs(accountId);
    return browser.request((await browser.followUntil(url, isCallback)).href);
  }

  it('links an identity to a signed-in user (recent authentication), who then signs in with it; unlinks it', async () => {
    const events: Array<{ type: string; userId: string; data: unknown }> = [];
    const record = (event: { type: string; userId: string; data: unknown }) => events.push(event);
    const emitter = t.app.get(EventEmitter2);
    emitter.on('user.identity_linked', record);
    emitter.on('user.identity_unlinked', record);
    try {
      const { user, session } = await passwordUser();
      const id = account();
      const linked = await link(session, id);
      expect(linked.status).toBe(303);
      expect(linked.headers.get('location')).toBe(`${t.url}/account`);
      const { body: identities } = await t.http.get('/me/identities').set(bearer(session)).expect(200);
      // The email is for display only; oidc-provider puts it in the user info, not the ID token, so it is null here.
      expect(identities).toEqual([
        { id: expect.any(String), provider: 'corp', email: null, createdAt: expect.any(String), lastUsedAt: expect.any(String) },
      ]);

      const browser = new RedirectBrowser();
      await browser.request((await toCallback(browser, id)).href);
      expect((await me(browser)).body.id).toBe(user.id);

      await t.http.delete(`/me/identities/${identities[0].id}`).set(bearer(session)).expect(204);
      await t.http.get('/me/identities').set(bearer(session)).expect(200, []);
      expect(events).toEqual([
        expect.objectContaining({
          type: 'user.identity_linked',
          userId: user.id,
          data: expect.objectContaining({ provider: 'corp', identityId: identities[0].id }),
        }),
        expect.objectContaining({
          type: 'user.identity_unlinked',
          userId: user.id,
          data: expect.objectContaining({ provider: 'corp', identityId: identities[0].id }),
        }),
      ]);
    } finally {
      emitter.off('user.identity_linked', record);
      emitter.off('user.identity_unlinked', record);
    }
  });

  it('linking needs recent authentication', async () => {
    const { session } = await passwordUser();
    const clock = controlAppClock(t.app);
    try {
      clock.advance(11 * 60_000);
      const refused = await t.http.post('/me/identities/corp').set(bearer(session)).expect(401);
      expect(refused.body).toMatchObject({ reason: 'reauthentication_required' });
    } finally {
      jest.restoreAllMocks();
    }
  });

  it("the user's second factor still applies: #mfa= at returnTo, no session until POST /auth/mfa, which shows the provider", async () => {
    const clock = controlAppClock(t.app);
    try {
      const { user, session } = await passwordUser();
      const id = account();
      expect((await link(session, id)).status).toBe(303);
      const { app } = await enrolTotp(t.http, session, clock);
      const browser = new RedirectBrowser();
      const response = await browser.request((await toCallback(browser, id, '?permanent=true')).href);
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(`${t.url}/account`);
      expect(browser.cookie(t.url, ACCESS_COOKIE)).toBeUndefined();
      expect((await me(browser)).status).toBe(401);
      const step = JSON.parse(Buffer.from(/^#mfa=([A-Za-z0-9_-]+)$/.exec(location.hash)![1], 'base64url').toString()) as { mfaToken: string };
      expect(step).toEqual({ mfaToken: expect.any(String), methods: ['totp', 'recovery_code'], expiresIn: 300, permanent: true });
      const finished = await browser.request(`${t.url}/auth/mfa`, {
        method: 'POST',
        headers: { 'x-session-transport': 'cookie', 'content-type': 'application/json' },
        body: JSON.stringify({ mfaToken: step.mfaToken, method: 'totp', code: app.nextStep() }),
      });
      expect(finished.status).toBe(200);
      expect((await me(browser)).body.id).toBe(user.id);
      const clients = (await (await browser.request(`${t.url}/clients`)).json()) as Array<{ current: boolean; provider: string | null }>;
      expect(clients.find((client) => client.current)).toMatchObject({ provider: 'corp' });
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('refuses to link an identity that belongs to another account (409), and leaves it there', async () => {
    const id = account();
    const owner = new RedirectBrowser();
    await owner.request((await toCallback(owner, id)).href);
    const { body: ownerMe } = await me(owner);
    const { session } = await passwordUser();
    const response = await link(session, id);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ reason: 'identity_in_use' });
    await t.http.get('/me/identities').set(bearer(session)).expect(200, []);
    const again = new RedirectBrowser();
    await again.request((await toCallback(again, id)).href);
    expect((await me(again)).body.id).toBe(ownerMe.id);
  });

  it('a user made by the provider has no password, cannot drop its last way in, may set a password, then unlink', async () => {
    const browser = new RedirectBrowser();
    await browser.request((await toCallback(browser, account())).href);
    const { body: user } = await me(browser);
    const cookie = { 'x-session-transport': 'cookie' };
    const json = { ...cookie, 'content-type': 'application/json' };
    const [identity] = (await (await browser.request(`${t.url}/me/identities`)).json()) as Array<{ id: string }>;
    const last = await browser.request(`${t.url}/me/identities/${identity.id}`, { method: 'DELETE', headers: cookie });
    expect(last.status).toBe(409);
    expect(await last.json()).toMatchObject({ reason: 'last_sign_in_method' });
    // No password works for it, not even an empty one.
    await t.http.post('/auth').send({ username: user.username, password: 'correct horse battery' }).expect(401);
    const set = await browser.request(`${t.url}/me/password`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ newPassword: 'a password of my own' }),
    });
    expect(set.status).toBe(204);
    const again = await browser.request(`${t.url}/me/password`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ newPassword: 'another password' }),
    });
    expect(again.status).toBe(409);
    await t.http.post('/auth').send({ username: user.username, password: 'a password of my own' }).expect(200);
    expect((await browser.request(`${t.url}/me/identities/${identity.id}`, { method: 'DELETE', headers: cookie })).status).toBe(204);
  });
});

describe('a provider that hangs', () => {
  let upstream: UpstreamOidc;
  let proxy: TcpProxy;
  let t: ListeningApp;
  const ID = 'slow-user';

  beforeAll(async () => {
    const upstreamPort = await freePort();
    proxy = await TcpProxy.to(`http://127.0.0.1:${upstreamPort}`);
    const issuer = `http://127.0.0.1:${proxy.port}`;
    t = await startListeningApp({
      AUTH_COOKIE_SECURE: 'false',
      AUTH_OIDC_TIMEOUT: '1s',
      AUTH_OIDC_SLOW_ISSUER: issuer,
      AUTH_OIDC_SLOW_CLIENT_ID: CLIENT.client_id,
      AUTH_OIDC_SLOW_CLIENT_SECRET: CLIENT.client_secret,
    });
    upstream = await UpstreamOidc.start({
      port: upstreamPort,
      issuer,
      clients: [{ ...CLIENT, redirect_uris: [`${t.url}/auth/oidc/slow/callback`] }],
      accounts: { [ID]: { email: 'slow@corp.example' } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await upstream?.stop();
  });

  const users = async () => Number((await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM users'))[0].n);

  it('at discovery: a 502 with the reason within a few seconds, then works once the provider is back', async () => {
    proxy.freeze();
    const started = Date.now();
    const response = await fetch(`${t.url}/auth/oidc/slow`, { redirect: 'manual' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({
      statusCode: 502,
      reason: 'upstream_unavailable',
      provider: 'slow',
      message: expect.stringContaining('discovery'),
    });
    await proxy.restore();
    expect((await fetch(`${t.url}/auth/oidc/slow`, { redirect: 'manual' })).status).toBe(303);
  });

  it('at the token exchange: a 502 within a few seconds, and no account made', async () => {
    const browser = new RedirectBrowser();
    await upstream.signInNextAs(ID);
    const callback = await browser.followUntil(`${t.url}/auth/oidc/slow`, (url) => url.pathname === '/auth/oidc/slow/callback');
    const before = await users();
    proxy.freeze();
    try {
      const started = Date.now();
      const response = await browser.request(callback.href);
      expect(Date.now() - started).toBeLessThan(5_000);
      const body = await response.json();
      expect({ status: response.status, body }).toEqual({
        status: 502,
        body: expect.objectContaining({ reason: 'upstream_unavailable', provider: 'slow' }),
      });
      expect(await users()).toBe(before);
      expect(browser.cookie(t.url, ACCESS_COOKIE)).toBeUndefined();
    } finally {
      await proxy.restore();
    }
  });
});
