import * as client from 'openid-client';
import type { ListeningApp } from './app';
import { userWithRoles } from './admin-helpers';
import { signUp, type TestUser } from './factories';

/*
 * A relying party of our OpenID Connect provider (API.md §13), as a second app would be: openid-client
 * drives discovery, the redirect, the code exchange and the checks of the ID token. The browser's part
 * (the account page's sign-in in cookie mode, following redirects) is done with fetch and the cookie.
 */

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const POST_LOGOUT_URI = 'http://127.0.0.1:9/signed-out';

export interface RegisteredApp {
  clientId: string;
  clientSecret?: string;
  [field: string]: unknown;
}

/** An admin of this app, to register applications with. */
export async function adminOf(t: ListeningApp): Promise<string> {
  const { session } = await userWithRoles(t, ['admin']);
  return session.accessToken;
}

export async function registerApp(t: ListeningApp, adminToken: string, overrides: Record<string, unknown> = {}): Promise<RegisteredApp> {
  const response = await fetch(`${t.url}/admin/applications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Second app',
      type: 'confidential',
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [POST_LOGOUT_URI],
      scopes: ['openid', 'profile', 'email'],
      firstParty: true,
      ...overrides,
    }),
  });
  if (response.status !== 201) throw new Error(`register: ${response.status} ${await response.text()}`);
  return (await response.json()) as RegisteredApp;
}

/** openid-client's configuration for the app, found by discovery. */
export async function relyingParty(t: ListeningApp, app: RegisteredApp, auth?: client.ClientAuth, serverAhead = 0): Promise<client.Configuration> {
  const authentication = auth ?? (app.clientSecret ? client.ClientSecretBasic(app.clientSecret) : client.None());
  // serverAhead (ms): how far a test moved the server's clock; the relying party's assertions follow it.
  const metadata = { [client.clockSkew]: Math.round(serverAhead / 1000) } as Partial<client.ClientMetadata>;
  return client.discovery(new URL(t.url), app.clientId, metadata, authentication, { execute: [client.allowInsecureRequests] });
}

/** Signs the user in on the account page's API, in cookie mode, as the page does: the browser's cookie header. */
export async function browserSignIn(t: ListeningApp, user: Pick<TestUser, 'username' | 'password'>): Promise<string> {
  const response = await fetch(`${t.url}/auth?permanent=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-session-transport': 'cookie', origin: t.url },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  if (response.status !== 200) throw new Error(`sign-in: ${response.status} ${await response.text()}`);
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);
  return cookies.filter((cookie) => !cookie.endsWith('=')).join('; ');
}

export interface Flow {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** An authorization request as openid-client builds it: PKCE S256, state, nonce. */
export async function startFlow(config: client.Configuration, parameters: Record<string, string> = {}): Promise<Flow> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...parameters,
  });
  return { url, verifier, state, nonce };
}

/** One request of the browser to /authorize (or the consent form): its status, Location and body. */
export async function visit(url: URL | string, cookie?: string, init: RequestInit = {}) {
  const response = await fetch(url, {
    redirect: 'manual',
    ...init,
    headers: { ...(cookie && { cookie }), ...(init.headers as Record<string, string>) },
  });
  return { status: response.status, location: response.headers.get('location'), body: await response.text(), headers: response.headers };
}

/** The whole redirect: sign-in session present, no consent needed; the URL the app is sent back to. */
export async function authorize(flow: Flow, cookie: string): Promise<URL> {
  const answer = await visit(flow.url, cookie);
  if (answer.status !== 302 || !answer.location?.startsWith(REDIRECT_URI))
    throw new Error(`authorize: ${answer.status} ${answer.location} ${answer.body}`);
  return new URL(answer.location);
}

/** The code exchange with every check openid-client makes (state, nonce, PKCE, iss, the ID token). */
export function exchange(config: client.Configuration, callback: URL, flow: Flow) {
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
    idTokenExpected: true,
  });
}

export async function newUser(t: ListeningApp, roles: string[] = []): Promise<TestUser> {
  if (roles.length === 0) return signUp(t.http);
  return (await userWithRoles(t, roles)).user;
}
