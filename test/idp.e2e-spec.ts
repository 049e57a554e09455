import * as client from 'openid-client';
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { type ListeningApp, startListeningApp } from './support/app';
import { claimsOf } from './support/admin-helpers';
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
});
