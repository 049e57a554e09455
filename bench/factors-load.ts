import autocannon from 'autocannon';
import { TOTP, URI } from 'otpauth';
import { JSON_HEADERS } from './load';
import { inParallel, post } from './servers';
import { PASSWORD } from './tokens';
import { SoftwarePasskey } from './webauthn';

/*
 * Second factors and passkeys from the load generator's side (API.md §11): a passwordless passkey
 * login with a software authenticator, and the TOTP second step of a login (POST /auth/mfa).
 */

const bearer = (accessToken: string) => ({ ...JSON_HEADERS, authorization: `Bearer ${accessToken}` });

async function answer(response: Response): Promise<string> {
  return `${response.status} ${(await response.text()).slice(0, 160)}`;
}

/**
 * A user with one passkey (enrolled right after a password login, so the client's authentication is
 * recent), and a first passkey login to check the server takes it; or why not.
 */
export async function enrolPasskey(url: string, origin: string, username: string): Promise<{ passkey?: SoftwarePasskey; skipped?: string }> {
  const probe = await fetch(`${url}/auth/passkey/options`, { method: 'POST', headers: JSON_HEADERS, body: '{}' });
  if (!probe.ok) return { skipped: `POST /auth/passkey/options answered ${probe.status}` };
  const credentials = { username, password: PASSWORD };
  await post(`${url}/users`, credentials);
  const { token } = await post(`${url}/auth`, credentials);
  const options = await fetch(`${url}/me/passkeys/options`, { method: 'POST', headers: bearer(token.accessToken), body: '{}' });
  if (!options.ok) return { skipped: `POST /me/passkeys/options answered ${await answer(options)}` };
  const passkey = new SoftwarePasskey(origin);
  const credential = passkey.register(await options.json());
  const made = await fetch(`${url}/me/passkeys`, {
    method: 'POST',
    headers: bearer(token.accessToken),
    body: JSON.stringify({ credential, name: 'bench' }),
  });
  if (!made.ok) return { skipped: `POST /me/passkeys answered ${await answer(made)}` };
  const login = await fetch(`${url}/auth/passkey`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ credential: passkey.assert(await probe.json()) }),
  });
  if (!login.ok) return { skipped: `POST /auth/passkey answered ${await answer(login)}` };
  return { passkey };
}

/**
 * Whole passkey logins: request options, then the assertion, on each connection in turn. One login is
 * two requests; its latency (both, end to end) goes to `latencies`.
 */
export function passkeyLogins(passkey: SoftwarePasskey, latencies: number[]): autocannon.Request[] {
  return [
    {
      method: 'POST',
      path: '/auth/passkey/options',
      headers: JSON_HEADERS,
      body: '{}',
      setupRequest: (request: any, context: any) => {
        context.started = performance.now();
        return request;
      },
      onResponse: (status: number, body: string, context: any) => {
        context.options = status === 200 ? JSON.parse(body) : {};
      },
    },
    {
      method: 'POST',
      path: '/auth/passkey',
      headers: JSON_HEADERS,
      setupRequest: (request: any, context: any) => ({ ...request, body: JSON.stringify({ credential: passkey.assert(context.options) }) }),
      onResponse: (_status: number, _body: string, context: any) => {
        latencies.push(performance.now() - context.started);
      },
    },
  ] as autocannon.Request[];
}

interface TotpUser {
  credentials: { username: string; password: string };
  totp: TOTP;
  /** The last 30-second step whose code the server took: each code is accepted once. */
  lastStep: number;
}

const step = (at = Date.now()) => Math.floor(at / 30_000);

/**
 * Users with TOTP on, for the second step of a login. Each code is accepted once, and only the
 * codes of the current step and one either side, so a user can finish about one login per step: a
 * round uses each user once, its code for the earliest step not yet used that is still valid.
 */
export class TotpUsers {
  private constructor(
    private readonly url: string,
    private readonly users: TotpUser[],
  ) {}

  static async enrol(url: string, prefix: string, count: number, parallel: number): Promise<{ users?: TotpUsers; skipped?: string }> {
    const one = async (i: number): Promise<TotpUser | string> => {
      const credentials = { username: `${prefix}${i}`, password: PASSWORD };
      await post(`${url}/users`, credentials);
      const { token } = await post(`${url}/auth`, credentials);
      const started = await fetch(`${url}/me/totp`, { method: 'POST', headers: bearer(token.accessToken), body: '{}' });
      if (!started.ok) return `POST /me/totp answered ${await answer(started)}`;
      const { otpauthUri } = (await started.json()) as { otpauthUri: string };
      const totp = URI.parse(otpauthUri) as TOTP;
      const now = step();
      const confirmed = await fetch(`${url}/me/totp/confirm`, {
        method: 'POST',
        headers: bearer(token.accessToken),
        body: JSON.stringify({ code: totp.generate({ timestamp: now * 30_000 }) }),
      });
      if (!confirmed.ok) return `POST /me/totp/confirm answered ${await answer(confirmed)}`;
      return { credentials, totp, lastStep: now };
    };
    const first = await one(0);
    if (typeof first === 'string') return { skipped: first };
    const rest = await inParallel(count - 1, parallel, (i) => one(i + 1));
    const failed = rest.find((u) => typeof u === 'string');
    if (failed) throw new Error(`TOTP enrolment: ${failed}`);
    return { users: new TotpUsers(url, [first, ...(rest as TotpUser[])]) };
  }

  /** Every user's password step (403 mfa_required with an MFA token); or why the server did not ask. */
  async passwordSteps(parallel: number): Promise<Array<{ user: TotpUser; mfaToken: string }> | string> {
    const steps = await inParallel(this.users.length, parallel, async (i) => {
      const user = this.users[i];
      const response = await fetch(`${this.url}/auth`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(user.credentials) });
      const body = (await response.json()) as { reason?: string; mfaToken?: string };
      if (response.status !== 403 || body.reason !== 'mfa_required' || !body.mfaToken)
        return `a password login with TOTP on answered ${response.status} ${JSON.stringify(body).slice(0, 120)}`;
      return { user, mfaToken: body.mfaToken };
    });
    return steps.find((s) => typeof s === 'string') ?? (steps as Array<{ user: TotpUser; mfaToken: string }>);
  }

  /** The POST /auth/mfa bodies, codes computed now; users without a usable step this round are left out. */
  static bodies(steps: Array<{ user: TotpUser; mfaToken: string }>): string[] {
    const now = step();
    const bodies: string[] = [];
    for (const { user, mfaToken } of steps) {
      const use = Math.max(user.lastStep + 1, now);
      if (use > now + 1) continue;
      user.lastStep = use;
      bodies.push(JSON.stringify({ mfaToken, method: 'totp', code: user.totp.generate({ timestamp: use * 30_000 }) }));
    }
    return bodies;
  }
}

/** POST /auth/mfa, each request with a body of its own (an MFA token and a code are used once). */
export function mfaSteps(bodies: string[]): autocannon.Request {
  return {
    method: 'POST',
    path: '/auth/mfa',
    headers: JSON_HEADERS,
    setupRequest: (request: any) => ({ ...request, body: bodies.pop() ?? '{}' }),
  } as autocannon.Request;
}
