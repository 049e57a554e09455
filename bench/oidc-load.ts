import autocannon from 'autocannon';
import { createHash, randomBytes } from 'node:crypto';
import { JSON_HEADERS } from './load';
import { inParallel, post } from './servers';
import { PASSWORD } from './tokens';

/*
 * The service as an OpenID Connect provider (API.md §13) from the load generator's side: two
 * applications registered by the bench's admin, authorization codes made through GET /authorize with
 * a signed-in browser session (cookie mode), then traded at POST /oauth/token; the refresh grant on
 * the clients those exchanges open; client_credentials for the confidential application.
 */

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function answer(response: Response): Promise<string> {
  return `${response.status} ${(await response.text()).slice(0, 160)}`;
}

export interface OidcApplications {
  publicClientId: string;
  confidential: { clientId: string; clientSecret: string };
}

/** Registers a public and a confidential application, or says why the server is no OpenID Connect provider. */
export async function registerApplications(url: string, adminToken: string): Promise<{ apps?: OidcApplications; skipped?: string }> {
  const discovery = await fetch(`${url}/.well-known/openid-configuration`);
  if (!discovery.ok) return { skipped: `GET /.well-known/openid-configuration answered ${discovery.status}` };
  const register = async (name: string, type: 'public' | 'confidential') =>
    fetch(`${url}/admin/applications`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ name, type, redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [], scopes: ['openid', 'profile'], firstParty: true }),
    });
  const made = await register('bench (public)', 'public');
  if (!made.ok) return { skipped: `POST /admin/applications answered ${await answer(made)}` };
  const confidential = await register('bench (confidential)', 'confidential');
  if (!confidential.ok) return { skipped: `POST /admin/applications (confidential) answered ${await answer(confidential)}` };
  const { clientId, clientSecret } = (await confidential.json()) as { clientId: string; clientSecret: string };
  return { apps: { publicClientId: ((await made.json()) as { clientId: string }).clientId, confidential: { clientId, clientSecret } } };
}

/** Cookies a browser would send to `/authorize` (path `/`) from a cookie-mode login's Set-Cookie headers. */
function sessionCookies(setCookie: string[]): string {
  return setCookie
    .filter((c) => !/;\s*max-age=0\s*(;|$)/i.test(c))
    .filter((c) => {
      const path = /;\s*path=([^;]*)/i.exec(c)?.[1]?.trim();
      return !path || path === '/';
    })
    .map((c) => c.split(';')[0])
    .join('; ');
}

/**
 * Authorization codes of one user for the public application (PKCE S256, one verifier for all), made
 * through GET /authorize with a signed-in session; the session is renewed when the cap on live clients
 * (each exchange opens one) has ended it.
 */
export class AuthorizationCodes {
  readonly verifier = randomBytes(32).toString('base64url');
  private readonly challenge = createHash('sha256').update(this.verifier).digest('base64url');
  private cookie = '';

  constructor(
    private readonly url: string,
    private readonly clientId: string,
    private readonly credentials: { username: string; password: string },
  ) {}

  static async forNewUser(url: string, clientId: string, username: string): Promise<AuthorizationCodes> {
    const credentials = { username, password: PASSWORD };
    await post(`${url}/users`, credentials);
    return new AuthorizationCodes(url, clientId, credentials);
  }

  private async signIn(): Promise<void> {
    const response = await fetch(`${this.url}/auth`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'x-session-transport': 'cookie' },
      body: JSON.stringify(this.credentials),
    });
    if (!response.ok) throw new Error(`cookie-mode login for /authorize: ${await answer(response)}`);
    this.cookie = sessionCookies(response.headers.getSetCookie());
  }

  /** One code, or why /authorize gave none. */
  async one(): Promise<{ code?: string; refused?: string }> {
    if (!this.cookie) await this.signIn();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const state = randomBytes(8).toString('base64url');
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: this.clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'openid profile',
        state,
        nonce: randomBytes(8).toString('base64url'),
        code_challenge: this.challenge,
        code_challenge_method: 'S256',
      });
      const response = await fetch(`${this.url}/authorize?${query}`, { headers: { cookie: this.cookie }, redirect: 'manual' });
      const location = response.headers.get('location') ?? '';
      const target = location ? new URL(location, this.url) : undefined;
      const code = target?.searchParams.get('code');
      if (code && target!.href.startsWith(REDIRECT_URI)) return { code };
      if (attempt === 0)
        await this.signIn(); // the session may have been ended by the cap on live clients
      else
        return { refused: `GET /authorize with a signed-in session answered ${response.status}${location ? ` to ${location.slice(0, 100)}` : ''}` };
    }
    return { refused: 'unreachable' };
  }

  async many(count: number, parallel = 4): Promise<string[]> {
    return inParallel(count, parallel, async () => {
      const { code, refused } = await this.one();
      if (!code) throw new Error(refused);
      return code;
    });
  }

  /** The token request trading a code (a public client: client_id and the PKCE verifier). */
  exchangeBody(code: string): string {
    return form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: this.verifier, client_id: this.clientId });
  }

  /** One exchange: the token response, for the refresh chains. */
  async exchange(code: string): Promise<{ refresh_token?: string; id_token?: string; error?: string }> {
    const response = await fetch(`${this.url}/oauth/token`, { method: 'POST', headers: FORM, body: this.exchangeBody(code) });
    return response.ok ? ((await response.json()) as { refresh_token?: string }) : { error: await answer(response) };
  }
}

/** POST /oauth/token with a prepared body each (a code is used once). */
export function exchanges(bodies: string[]): autocannon.Request {
  return {
    method: 'POST',
    path: '/oauth/token',
    headers: FORM,
    setupRequest: (request: any) => ({ ...request, body: bodies.pop() ?? '' }),
  } as autocannon.Request;
}

/** Refresh chains on the RFC 6749 token endpoint (grant_type=refresh_token), as RefreshChains on POST /token. */
export class OAuthRefreshChains {
  private readonly pool: string[];

  constructor(
    tokens: string[],
    private readonly clientId: string,
  ) {
    this.pool = [...tokens];
  }

  request(): autocannon.Request {
    return {
      method: 'POST',
      path: '/oauth/token',
      headers: FORM,
      setupRequest: (request: any, context: any) => {
        context.token = this.pool.shift();
        return { ...request, body: form({ grant_type: 'refresh_token', refresh_token: context.token, client_id: this.clientId }) };
      },
      onResponse: (status: number, body: string, context: any) => {
        this.pool.push(status === 200 ? (JSON.parse(body) as { refresh_token: string }).refresh_token : context.token);
      },
    } as autocannon.Request;
  }
}

/** client_credentials for the confidential application (client_secret_basic, RFC 6749 §2.3.1). */
export function clientCredentials(app: OidcApplications['confidential']): autocannon.Request {
  const basic = Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(app.clientSecret)}`).toString('base64');
  return {
    method: 'POST',
    path: '/oauth/token',
    headers: { ...FORM, authorization: `Basic ${basic}` },
    body: form({ grant_type: 'client_credentials' }),
  };
}

/** Whether client_credentials answers 200 with an access token, or what it answered. */
export async function clientCredentialsSkipReason(url: string, app: OidcApplications['confidential']): Promise<string | undefined> {
  const request = clientCredentials(app);
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: request.headers as Record<string, string>,
    body: request.body as string,
  });
  if (!response.ok) return `POST /oauth/token grant_type=client_credentials answered ${await answer(response)}`;
  return undefined;
}
