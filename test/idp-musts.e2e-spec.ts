import * as client from 'openid-client';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { type ListeningApp, startListeningApp } from './support/app';
import { claimsOf } from './support/admin-helpers';
import { controlAppClock, type ManualClock } from './support/clock';
import {
  adminOf,
  authorize,
  browserSignIn,
  exchange,
  newUser,
  REDIRECT_URI,
  registerApp,
  relyingParty,
  startFlow,
  visit,
} from './support/relying-party';

/**
 * Every MUST of OpenID Connect Core, RFC 6749, RFC 7636, RFC 9207 and RFC 9700 that applies to our
 * provider, each as the attack or mistake it stops, driven through openid-client where a relying party
 * would make the request, and by hand where only an attacker would.
 */
describe('OpenID Connect provider: the MUSTs', () => {
  let t: ListeningApp;
  let admin: string;
  let clock: ManualClock;

  beforeAll(async () => {
    t = await startListeningApp({ AUTH_REFRESH_GRACE: '0' });
    clock = controlAppClock(t.app);
    admin = await adminOf(t);
  });
  afterAll(() => t.close());

  async function signedIn() {
    const app = await registerApp(t, admin, { redirectUris: [REDIRECT_URI, `${REDIRECT_URI}/other`] });
    const config = await relyingParty(t, app);
    const user = await newUser(t);
    return { app, config, user, cookie: await browserSignIn(t, user) };
  }

  const tokenRequest = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields),
    });
  const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

  describe('/authorize', () => {
    it('never redirects to a redirect_uri the app did not register, not even one that extends it: an error page instead', async () => {
      const { config, cookie } = await signedIn();
      for (const redirect of [`${REDIRECT_URI}x`, `${REDIRECT_URI}?next=evil`, 'http://evil.example/callback']) {
        const flow = await startFlow(config, { redirect_uri: redirect });
        const answer = await visit(flow.url, cookie);
        expect(answer.status).toBe(400);
        expect(answer.location).toBeNull();
        expect(answer.body).toContain('redirect_uri');
      }
      const unknown = await visit(`${t.url}/authorize?client_id=nobody&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code`, cookie);
      expect(unknown.status).toBe(400);
      expect(unknown.location).toBeNull();
    });

    it.each([
      ['no PKCE', { code_challenge: '', code_challenge_method: '' }],
      ['PKCE plain', { code_challenge_method: 'plain' }],
      ['no code_challenge_method (plain by default)', { code_challenge_method: '' }],
      ['an implicit response_type', { response_type: 'id_token' }],
    ])('refuses %s, at the redirect URI with state and iss (RFC 9207)', async (_case, overrides) => {
      const { config, cookie } = await signedIn();
      const flow = await startFlow(config);
      for (const [name, value] of Object.entries(overrides)) {
        if (value === '') flow.url.searchParams.delete(name);
        else flow.url.searchParams.set(name, value);
      }
      const answer = await visit(flow.url, cookie);
      expect(answer.status).toBe(302);
      const back = new URL(answer.location!);
      expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
      expect(back.searchParams.get('error')).toMatch(/^(invalid_request|unsupported_response_type)$/);
      expect(back.searchParams.get('state')).toBe(flow.state);
      expect(back.searchParams.get('iss')).toBe(t.url);
      expect(back.searchParams.get('code')).toBeNull();
    });

    it('prompt=none without a session answers login_required; without one, the browser goes to the account page and comes back', async () => {
      const { config } = await signedIn();
      const none = await startFlow(config, { prompt: 'none' });
      const refused = new URL((await visit(none.url)).location!);
      expect(refused.searchParams.get('error')).toBe('login_required');
      expect(refused.searchParams.get('iss')).toBe(t.url);

      const flow = await startFlow(config, { login_hint: 'someone' });
      const answer = await visit(flow.url);
      expect(answer.status).toBe(303);
      const signIn = new URL(answer.location!, t.url);
      expect(signIn.pathname).toBe('/account');
      expect(signIn.searchParams.get('login_hint')).toBe('someone');
      expect(signIn.searchParams.get('return_to')).toMatch(/^\/authorize\?/);
    });

    it('max_age forces a new sign-in once the last one is older, and the ID token says when it was', async () => {
      const { app, config, user, cookie } = await signedIn();
      clock.advance(120_000);
      const flow = await startFlow(config, { max_age: '60' });
      const answer = await visit(flow.url, cookie);
      expect(answer.status).toBe(303);
      const signIn = new URL(answer.location!, t.url);
      expect(signIn.searchParams.get('login')).toBe('required');

      // The user signs in again on the account page, which follows the way back.
      const fresh = await browserSignIn(t, user);
      const signedInAt = Math.floor(clock.now() / 1000);
      const back = await visit(new URL(signIn.searchParams.get('return_to')!, t.url), fresh);
      expect(back.status).toBe(302);
      const tokens = await exchange(config, new URL(back.location!), flow);
      expect(tokens.claims()!.auth_time).toBeGreaterThanOrEqual(signedInAt);
      expect(tokens.claims()!.aud).toBe(app.clientId);
    });

    it('prompt=login asks for a new sign-in even with a fresh session, once', async () => {
      const { config, user, cookie } = await signedIn();
      const flow = await startFlow(config, { prompt: 'login' });
      const answer = await visit(flow.url, cookie);
      expect(answer.status).toBe(303);
      const returnTo = new URL(new URL(answer.location!, t.url).searchParams.get('return_to')!, t.url);
      // Within the request's own second (the clock stands still): auth_time alone could not tell them apart.
      const fresh = await browserSignIn(t, user);
      const back = await visit(returnTo, fresh);
      expect(back.status).toBe(302);
      await expect(exchange(config, new URL(back.location!), flow)).resolves.toBeDefined();
      // The old session, older than the request, does not pass.
      expect((await visit(returnTo, cookie)).status).toBe(303);
      // The return link's mark of the replaced session is signed by us: made up or altered, it is worth nothing.
      const mark = returnTo.searchParams.get('replaces')!;
      for (const replaces of ['made-up', `${mark.slice(0, -2)}${mark.endsWith('AA') ? 'BB' : 'AA'}`]) {
        const forged = new URL(flow.url);
        forged.searchParams.set('state', 'forged');
        forged.searchParams.set('replaces', replaces);
        expect((await visit(forged, cookie)).status).toBe(303);
      }
      // A genuine mark, taken from someone else's forced sign-in, does not excuse a session older than it.
      const older = await signedIn();
      clock.advance(1000);
      const theirs = await startFlow(config, { prompt: 'login' });
      const theirReturn = new URL(new URL((await visit(theirs.url, cookie)).location!, t.url).searchParams.get('return_to')!, t.url);
      const borrowed = new URL(flow.url);
      borrowed.searchParams.set('state', 'borrowed');
      borrowed.searchParams.set('replaces', theirReturn.searchParams.get('replaces')!);
      expect((await visit(borrowed, older.cookie)).status).toBe(303);
    });

    it('a scope the application is not allowed is invalid_scope', async () => {
      const { config, cookie } = await signedIn();
      const flow = await startFlow(config, { scope: 'openid admin' });
      const back = new URL((await visit(flow.url, cookie)).location!);
      expect(back.searchParams.get('error')).toBe('invalid_scope');
    });
  });

  describe('the code', () => {
    it('is single use: a replay is refused and ends every session issued from it', async () => {
      const { config, cookie } = await signedIn();
      const flow = await startFlow(config);
      const callback = await authorize(flow, cookie);
      const tokens = await exchange(config, callback, flow);
      await expect(exchange(config, callback, flow)).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      const userinfo = await fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(userinfo.status).toBe(401);
    });

    it('is bound to its client: another application cannot use it (and leaves it to its owner)', async () => {
      const { config, cookie } = await signedIn();
      const other = await registerApp(t, admin);
      const flow = await startFlow(config);
      const callback = await authorize(flow, cookie);
      const code = callback.searchParams.get('code')!;
      const stolen = await tokenRequest(
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: flow.verifier },
        basic(other.clientId, other.clientSecret!),
      );
      expect(stolen.status).toBe(400);
      expect(await stolen.json()).toMatchObject({ error: 'invalid_grant' });
      await expect(exchange(config, callback, flow)).resolves.toBeDefined();
    });

    it('is bound to its redirect_uri and its PKCE verifier', async () => {
      const { app, config, cookie } = await signedIn();
      const flow = await startFlow(config);
      const code = (await authorize(flow, cookie)).searchParams.get('code')!;
      const auth = basic(app.clientId, app.clientSecret!);
      const wrongUri = await tokenRequest(
        { grant_type: 'authorization_code', code, redirect_uri: `${REDIRECT_URI}/other`, code_verifier: flow.verifier },
        auth,
      );
      expect(await wrongUri.json()).toMatchObject({ error: 'invalid_grant' });
      const wrongVerifier = await tokenRequest(
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: client.randomPKCECodeVerifier() },
        auth,
      );
      expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' });
      const noVerifier = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, auth);
      expect(await noVerifier.json()).toMatchObject({ error: 'invalid_request' });
      const right = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: flow.verifier }, auth);
      expect(right.status).toBe(200);
    });

    it('lives 60 seconds', async () => {
      const { config, cookie } = await signedIn();
      const flow = await startFlow(config);
      const callback = await authorize(flow, cookie);
      clock.advance(61_000);
      await expect(exchange(config, callback, flow)).rejects.toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('client authentication', () => {
    it('a wrong secret, or a confidential app naming itself without one, is invalid_client (401)', async () => {
      const { app, cookie } = await signedIn();
      const wrong = await relyingParty(t, app, client.ClientSecretBasic('not-the-secret'));
      const flow = await startFlow(wrong);
      const callback = await authorize(flow, cookie);
      // RFC 6749 §5.2: a 401 with the Basic challenge, as openid-client reports it.
      await expect(exchange(wrong, callback, flow)).rejects.toMatchObject({ status: 401, code: 'OAUTH_WWW_AUTHENTICATE_CHALLENGE' });
      const raw = await tokenRequest({ grant_type: 'client_credentials' }, basic(app.clientId, 'not-the-secret'));
      expect(raw.status).toBe(401);
      expect(raw.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect(await raw.json()).toMatchObject({ error: 'invalid_client' });
      const unauthenticated = await tokenRequest({ grant_type: 'client_credentials', client_id: app.clientId });
      expect(unauthenticated.status).toBe(401);
      expect(await unauthenticated.json()).toMatchObject({ error: 'invalid_client' });
    });

    it('private_key_jwt: the key the app registered signs in; another key, a replayed assertion or the wrong audience do not', async () => {
      const keys = await generateKeyPair('ES256', { extractable: true });
      const other = await generateKeyPair('ES256');
      const app = await registerApp(t, admin, {
        jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), alg: 'ES256' }] },
        scopes: ['openid', 'profile', 'reports'],
      });
      const user = await newUser(t);
      const cookie = await browserSignIn(t, user);

      const ahead = clock.now() - Date.now();
      const config = await relyingParty(t, app, client.PrivateKeyJwt(keys.privateKey), ahead);
      const flow = await startFlow(config);
      await expect(exchange(config, await authorize(flow, cookie), flow)).resolves.toBeDefined();

      const forged = await relyingParty(t, app, client.PrivateKeyJwt(other.privateKey), ahead);
      const forgedFlow = await startFlow(forged);
      await expect(exchange(forged, await authorize(forgedFlow, cookie), forgedFlow)).rejects.toMatchObject({ error: 'invalid_client' });

      const assertion = (audience: string) =>
        new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256' })
          .setIssuer(app.clientId)
          .setSubject(app.clientId)
          .setAudience(audience)
          .setIssuedAt(Math.floor(clock.now() / 1000))
          .setExpirationTime(Math.floor(clock.now() / 1000) + 60)
          .sign(keys.privateKey);
      const fields = (jwt: string) => ({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: jwt,
      });
      const once = await assertion(`${t.url}/oauth/token`);
      expect((await tokenRequest(fields(once))).status).toBe(200);
      expect(await (await tokenRequest(fields(once))).json()).toMatchObject({ error: 'invalid_client' });
      expect(await (await tokenRequest(fields(await assertion('https://elsewhere.example/token')))).json()).toMatchObject({
        error: 'invalid_client',
      });
    });

    it('a public app uses PKCE alone and cannot use client_credentials', async () => {
      const app = await registerApp(t, admin, { type: 'public' });
      expect(app.clientSecret).toBeUndefined();
      const config = await relyingParty(t, app, client.None());
      const user = await newUser(t);
      const flow = await startFlow(config);
      const tokens = await exchange(config, await authorize(flow, await browserSignIn(t, user)), flow);
      expect(tokens.claims()!.sub).toBe(user.id);
      await expect(client.clientCredentialsGrant(config)).rejects.toMatchObject({ error: 'unauthorized_client' });
      // Its refresh token is its own: without its client_id (or with another's) it is not spent.
      const bare = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
      expect(await bare.json()).toMatchObject({ error: 'invalid_grant' });
      await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).resolves.toBeDefined();
    });

    it("an application's refresh token at our first-party POST /token has leaked: refused, and the app's session ends", async () => {
      const { config, cookie } = await signedIn();
      const flow = await startFlow(config);
      const tokens = await exchange(config, await authorize(flow, cookie), flow);
      const leaked = await fetch(`${t.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: tokens.refresh_token }),
      });
      expect(leaked.status).toBe(401);
      await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('client_credentials: a confidential app for itself, no user and no refresh token, only its allowed non-identity scopes', async () => {
      const app = await registerApp(t, admin, { scopes: ['openid', 'reports'] });
      const config = await relyingParty(t, app);
      const tokens = await client.clientCredentialsGrant(config, { scope: 'reports' });
      expect(tokens.refresh_token).toBeUndefined();
      expect(claimsOf(tokens.access_token)).toMatchObject({ sub: app.clientId, client_id: app.clientId, scope: 'reports' });
      expect(claimsOf(tokens.access_token).sid).toBeUndefined();
      await expect(client.clientCredentialsGrant(config, { scope: 'openid' })).rejects.toMatchObject({ error: 'invalid_scope' });
    });
  });

  describe('scopes and roles (API.md §13): never more than the user has and the app is allowed', () => {
    it('grants the role scopes the user holds among those asked and allowed; the tokens carry no other role', async () => {
      const app = await registerApp(t, admin, { scopes: ['openid', 'editor', 'admin'] });
      const config = await relyingParty(t, app);
      const user = await newUser(t, ['editor', 'billing']);
      const flow = await startFlow(config, { scope: 'openid editor admin' });
      const tokens = await exchange(config, await authorize(flow, await browserSignIn(t, user)), flow);
      expect(tokens.scope).toBe('openid editor');
      expect(claimsOf(tokens.access_token)).toMatchObject({ roles: ['editor'], scope: 'openid editor' });
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, user.id);
      expect(userinfo.roles).toEqual(['editor']);
    });

    it("an application's token reaches only routes that name a scope or role it holds, never the user's own account API", async () => {
      const app = await registerApp(t, admin, { scopes: ['openid', 'profile', 'admin'] });
      const config = await relyingParty(t, app);
      const user = await newUser(t, ['admin']);
      const flow = await startFlow(config, { scope: 'openid profile admin' });
      const tokens = await exchange(config, await authorize(flow, await browserSignIn(t, user)), flow);
      const as = (method: string, path: string) => fetch(`${t.url}${path}`, { method, headers: { authorization: `Bearer ${tokens.access_token}` } });
      // Its devices, its profile, ending its sessions: the account's, not the app's (the consent named none of them).
      for (const [method, path] of [
        ['GET', '/me'],
        ['GET', '/clients'],
        ['DELETE', '/clients'],
        ['GET', '/me/factors'],
        ['GET', '/me/identities'],
        ['POST', '/auth/logout'],
      ]) {
        const answer = await as(method, path);
        expect([method, path, answer.status]).toEqual([method, path, 403]);
        expect(await answer.json()).toMatchObject({ reason: 'insufficient_scope' });
      }
      await expect(client.fetchUserInfo(config, tokens.access_token, user.id)).resolves.toMatchObject({ sub: user.id });
      // A route that names a role the app was granted (and the user holds) stays open to it.
      expect((await as('GET', '/admin/users?limit=1')).status).toBe(200);
      // The user's own sessions still use all of it.
      const own = (await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(200)).body.token.accessToken;
      expect((await fetch(`${t.url}/clients`, { headers: { authorization: `Bearer ${own}` } })).status).toBe(200);
    });

    it('an admin signing in to an app not allowed the admin scope gives it no admin power over our API', async () => {
      const app = await registerApp(t, admin, { scopes: ['openid'] });
      const config = await relyingParty(t, app);
      const user = await newUser(t, ['admin']);
      const flow = await startFlow(config, { scope: 'openid' });
      const tokens = await exchange(config, await authorize(flow, await browserSignIn(t, user)), flow);
      expect(claimsOf(tokens.access_token).roles).toEqual([]);
      const adminApi = await fetch(`${t.url}/admin/users`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(adminApi.status).toBe(403);
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      expect(claimsOf(refreshed.access_token).roles).toEqual([]);
    });
  });

  it('answers bad input with a 4xx, never a 500', async () => {
    const { app, cookie } = await signedIn();
    const base = `${t.url}/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`;
    for (const url of [
      `${t.url}/authorize`,
      `${t.url}/authorize?client_id=${app.clientId}&client_id=${app.clientId}`,
      `${base}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      `${base}&response_type=code&response_type=code`,
      `${base}&response_type=code&code_challenge_method=S256&code_challenge=short`,
      `${base}&response_type=code&max_age=-1`,
      `${base}&response_type=code&prompt=none%20login`,
      `${t.url}/logout`,
      `${t.url}/logout?id_token_hint=a.b.c`,
      `${t.url}/logout?id_token_hint=x&id_token_hint=y`,
    ]) {
      const answer = await visit(url, cookie);
      expect([302, 400]).toContain(answer.status);
    }
    const consent = await visit(`${t.url}/authorize/consent`, cookie, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"ticket": 1}',
    });
    expect(consent.status).toBe(403);
    const auth = basic(app.clientId, app.clientSecret!);
    const requests: Array<Record<string, string>> = [
      { grant_type: 'authorization_code' },
      { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI, code_verifier: 'short' },
      {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: 'not-a-jwt',
      },
      { grant_type: 'client_credentials', client_assertion_type: 'other' },
    ];
    for (const fields of requests) {
      const response = await tokenRequest(fields, fields.client_assertion_type ? {} : auth);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await response.json()).toMatchObject({ error: expect.any(String) });
    }
    const userinfo = await fetch(`${t.url}/userinfo`, { headers: { authorization: 'Bearer nonsense' } });
    expect(userinfo.status).toBe(401);
    expect(userinfo.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });
});
