import * as client from 'openid-client';
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { type ListeningApp, startListeningApp } from './support/app';
import { claimsOf } from './support/admin-helpers';
import { startReceiver, type WebhookReceiver } from './support/webhooks-receiver';
import { BACKCHANNEL_LOGOUT_EVENT } from '../src/oidc/id-tokens.service';
import { controlAppClock } from './support/clock';
import { login } from './support/factories';
import { enrolTotp } from './support/totp-app';
import {
  adminOf,
  authorize,
  browserSignIn,
  exchange,
  newUser,
  POST_LOGOUT_URI,
  registerApp,
  relyingParty,
  startFlow,
  visit,
} from './support/relying-party';

/** API.md §13 driven by a real relying party (openid-client 6): the code flow, refresh, userinfo. */
describe('OpenID Connect provider: a second app signs in through us', () => {
  let t: ListeningApp;
  let admin: string;

  beforeAll(async () => {
    t = await startListeningApp({ AUTH_REFRESH_GRACE: '0' });
    admin = await adminOf(t);
  });
  afterAll(() => t.close());

  it('discovery, /authorize with the account session, the code exchange, userinfo and refresh', async () => {
    const app = await registerApp(t, admin);
    expect(app.clientSecret).toEqual(expect.any(String));
    const config = await relyingParty(t, app);
    const user = await newUser(t);
    const cookie = await browserSignIn(t, user);

    const flow = await startFlow(config);
    const callback = await authorize(flow, cookie);
    expect(callback.searchParams.get('iss')).toBe(t.url);
    expect(callback.searchParams.get('state')).toBe(flow.state);

    const tokens = await exchange(config, callback, flow);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const idToken = tokens.claims()!;
    expect(idToken).toMatchObject({ iss: t.url, sub: user.id, aud: app.clientId, nonce: flow.nonce });
    expect(idToken.auth_time).toEqual(expect.any(Number));
    expect(idToken.sid).toEqual(expect.any(String));
    const hash = createHash('sha256').update(tokens.access_token).digest();
    expect(idToken.at_hash).toBe(hash.subarray(0, 16).toString('base64url'));
    // Signed by our key (ES256 by default), as our JWKS publishes it.
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0], 'base64url').toString()) as { alg: string };
    expect(header.alg).toBe('ES256');
    await expect(
      jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)), { issuer: t.url, audience: app.clientId }),
    ).resolves.toBeDefined();

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(userinfo).toMatchObject({ sub: user.id, preferred_username: user.username });

    // The app's session is a client of the user, marked with the application, ended like any other.
    expect(claimsOf(tokens.access_token).sid).toBe(idToken.sid);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  async function signedInTo(overrides: Record<string, unknown> = {}) {
    const app = await registerApp(t, admin, overrides);
    const config = await relyingParty(t, app);
    const user = await newUser(t);
    const cookie = await browserSignIn(t, user);
    return { app, config, user, cookie };
  }

  /** The user's own first-party session (header mode), to look at and end devices as the account page does. */
  async function ownSession(user: { username: string; password: string }) {
    const response = await fetch(`${t.url}/auth?permanent=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    return ((await response.json()) as { token: { accessToken: string } }).token.accessToken;
  }

  describe('third-party applications ask for consent', () => {
    it('shows a consent page; allowing it (a CSRF-protected POST) sends the code, and the consent is remembered and revocable', async () => {
      const { app, config, user, cookie } = await signedInTo({ firstParty: false, name: 'Photo <Printer>' });
      const flow = await startFlow(config, { scope: 'openid profile' });
      const page = await visit(flow.url, cookie);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.body).toContain('Photo &lt;Printer&gt;');
      const ticket = /name="ticket" value="([^"]+)"/.exec(page.body)![1];

      // Without the session that was shown the page, or from another site: refused, nothing granted.
      const form = (decision: string) => new URLSearchParams({ ticket, decision }).toString();
      const post = (headers: Record<string, string>, decision = 'allow') =>
        visit(`${t.url}/authorize/consent`, undefined, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: form(decision),
        });
      expect((await post({})).status).toBe(403);
      expect((await post({ cookie, origin: 'http://evil.example' })).status).toBe(403);
      const other = await browserSignIn(t, await newUser(t));
      expect((await post({ cookie: other })).status).toBe(403);
      expect((await post({ cookie, origin: 'http://evil.example' })).location).toBeNull();

      const allowed = await post({ cookie, origin: t.url });
      expect(allowed.status).toBe(303);
      const tokens = await exchange(config, new URL(allowed.location!), flow);
      expect(tokens.claims()!.sub).toBe(user.id);

      const accessToken = await ownSession(user);
      const consents = await (await fetch(`${t.url}/me/consents`, { headers: { authorization: `Bearer ${accessToken}` } })).json();
      expect(consents).toEqual([expect.objectContaining({ clientId: app.clientId, name: 'Photo <Printer>', scopes: ['openid', 'profile'] })]);

      // Remembered: no page the second time, even with prompt=none.
      const again = await startFlow(config, { scope: 'openid', prompt: 'none' });
      expect((await authorize(again, cookie)).searchParams.get('code')).toEqual(expect.any(String));

      // Withdrawn: its sessions end, and prompt=none now answers consent_required.
      const revoke = await fetch(`${t.url}/me/consents/${app.clientId}`, { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}` } });
      expect(revoke.status).toBe(204);
      await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      const refused = new URL((await visit((await startFlow(config, { prompt: 'none' })).url, cookie)).location!);
      expect(refused.searchParams.get('error')).toBe('consent_required');
    });

    it('denying sends access_denied with state and iss', async () => {
      const { config, cookie } = await signedInTo({ firstParty: false });
      const flow = await startFlow(config);
      const ticket = /name="ticket" value="([^"]+)"/.exec((await visit(flow.url, cookie)).body)![1];
      const denied = await visit(`${t.url}/authorize/consent`, cookie, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ticket, decision: 'deny' }).toString(),
      });
      const back = new URL(denied.location!);
      expect(back.searchParams.get('error')).toBe('access_denied');
      expect(back.searchParams.get('state')).toBe(flow.state);
      expect(back.searchParams.get('iss')).toBe(t.url);
    });
  });

  describe('the session is a device of the user', () => {
    it('shows as "Signed in to <app>" in the device list, and the admin lists the sessions of each application', async () => {
      const { app, config, user, cookie } = await signedInTo({ name: 'Wiki' });
      const flow = await startFlow(config);
      const tokens = await exchange(config, await authorize(flow, cookie), flow);
      const accessToken = await ownSession(user);
      const devices = (await (await fetch(`${t.url}/clients`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as Array<
        Record<string, unknown>
      >;
      const appDevice = devices.find((device) => device.id === claimsOf(tokens.access_token).sid);
      expect(appDevice).toMatchObject({ application: { clientId: app.clientId, name: 'Wiki' } });
      expect(devices.filter((device) => device.application === null).length).toBeGreaterThan(0);

      const sessions = (await (
        await fetch(`${t.url}/admin/applications/${app.clientId}/sessions`, { headers: { authorization: `Bearer ${admin}` } })
      ).json()) as Array<Record<string, unknown>>;
      expect(sessions).toEqual([expect.objectContaining({ id: appDevice!.id, userId: user.id })]);
    });
  });

  describe('logout', () => {
    let receiver: WebhookReceiver;
    beforeAll(async () => (receiver = await startReceiver()));
    afterAll(() => receiver.close());

    /** The logout tokens the app received, verified with jose against our JWKS. */
    async function logoutTokensFor(clientId: string, sid: string) {
      const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
      const verified = [];
      for (const delivery of receiver.received) {
        expect(delivery.headers['content-type']).toBe('application/x-www-form-urlencoded');
        const token = new URLSearchParams(delivery.body).get('logout_token')!;
        const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: t.url, audience: clientId, typ: 'logout+jwt' }).catch(() => ({
          payload: null,
          protectedHeader: null,
        }));
        if (payload?.sid === sid) verified.push({ payload, protectedHeader });
      }
      return verified;
    }

    it.each([
      ['the user ends it from the device list', 'device'],
      ["an admin ends the user's sessions", 'admin'],
      ['the refresh token is reused', 'reuse'],
      ['an admin sets a new password', 'password'],
      ['an admin disables the user', 'disable'],
      ['an admin deletes the user (the client row goes with them)', 'delete'],
    ])('a back-channel logout token reaches the app when %s', async (_case, how) => {
      const { app, config, user, cookie } = await signedInTo({ backchannelLogoutUri: receiver.url });
      const flow = await startFlow(config);
      const tokens = await exchange(config, await authorize(flow, cookie), flow);
      const sid = tokens.claims()!.sid as string;
      if (how === 'device') {
        await fetch(`${t.url}/clients/${sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${await ownSession(user)}` } });
      } else if (how === 'admin') {
        await fetch(`${t.url}/admin/users/${user.id}/clients`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
      } else if (how === 'reuse') {
        await client.refreshTokenGrant(config, tokens.refresh_token!);
        await client.refreshTokenGrant(config, tokens.refresh_token!).catch(() => undefined);
      } else if (how === 'delete') {
        const deleted = await fetch(`${t.url}/admin/users/${user.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
        expect(deleted.status).toBe(204);
      } else if (how === 'disable') {
        await fetch(`${t.url}/admin/users/${user.id}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ disabled: true }),
        });
      } else {
        await fetch(`${t.url}/admin/users/${user.id}/password`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ newPassword: 'another-password-123' }),
        });
      }
      const deadline = Date.now() + 10_000;
      let found = await logoutTokensFor(app.clientId, sid);
      while (found.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        found = await logoutTokensFor(app.clientId, sid);
      }
      expect(found).toHaveLength(1);
      const [{ payload, protectedHeader }] = found;
      expect(protectedHeader!.typ).toBe('logout+jwt');
      expect(payload).toMatchObject({ iss: t.url, aud: app.clientId, sub: user.id, sid, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } });
      expect(payload!.jti).toEqual(expect.any(String));
      expect(payload!.nonce).toBeUndefined();
    });

    it('RP-initiated: the id_token_hint ends the app session and the sign-in here, then back to a registered post-logout URI with state', async () => {
      const { config, cookie } = await signedInTo();
      const flow = await startFlow(config);
      const tokens = await exchange(config, await authorize(flow, cookie), flow);
      const bad = client.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: 'http://evil.example/',
        state: 'x',
      });
      expect((await visit(bad, cookie)).status).toBe(400);
      const forged = client.buildEndSessionUrl(config, { id_token_hint: `${tokens.id_token!}x`, post_logout_redirect_uri: POST_LOGOUT_URI });
      expect((await visit(forged, cookie)).status).toBe(400);

      const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' });
      const answer = await visit(url, cookie);
      expect(answer.status).toBe(303);
      expect(answer.location).toBe(`${POST_LOGOUT_URI}?state=bye`);
      await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      // The browser's sign-in ended too: the next /authorize goes to the sign-in page.
      expect((await visit((await startFlow(config)).url, cookie)).status).toBe(303);
    });
  });

  it("carries the sign-in's amr (API.md §11: a password and a TOTP code) and auth_time into the ID token", async () => {
    const { config, user } = await signedInTo();
    const { app: authenticator } = await enrolTotp(t.http, await login(t.http, user), controlAppClock(t.app));
    // The browser's sign-in: the password, then the code (POST /auth/mfa), in cookie mode.
    const cookieMode = { 'content-type': 'application/json', 'x-session-transport': 'cookie', origin: t.url };
    const first = await fetch(`${t.url}/auth?permanent=true`, {
      method: 'POST',
      headers: cookieMode,
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    expect(first.status).toBe(403);
    const { mfaToken } = (await first.json()) as { mfaToken: string };
    const second = await fetch(`${t.url}/auth/mfa`, {
      method: 'POST',
      headers: cookieMode,
      body: JSON.stringify({ mfaToken, method: 'totp', code: authenticator.nextStep() }),
    });
    expect(second.status).toBe(200);
    const cookie = second.headers
      .getSetCookie()
      .map((set) => set.split(';')[0])
      .filter((pair) => !pair.endsWith('='))
      .join('; ');
    const flow = await startFlow(config);
    const tokens = await exchange(config, await authorize(flow, cookie), flow);
    expect(tokens.claims()).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], auth_time: expect.any(Number) });
  });
});
