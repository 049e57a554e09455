import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AuthClient, AuthError, AuthState, createAuthClient, TokenStorage } from '../sdk/src/index';
import type {
  ClientHistoryResponse,
  ClientResponse,
  EmailResponse,
  ErrorBody,
  FactorsResponse,
  ForgotPasswordResponse,
  LoggedInUser,
  LoginResponse,
  MeResponse,
  PasskeyResponse,
  RecoveryCodesResponse,
  RefreshResponse,
  TokensResponse,
  TotpEnrolmentResponse,
  UserResponse,
} from '../sdk/src/types';
import { MailOutboxService } from '../src/mail';
import { freePort, ListeningApp, startListeningApp } from './support/app';
import { credentials } from './support/factories';
import { linkToken, SmtpSink } from './support/smtp-sink';
import { startServerProcess } from './support/server-process';

/*
 * The typed client (sdk/) in Node, header mode: against the real server, against a scripted fetch
 * for the refresh rules (an access token cannot be made to expire on demand), and as built.
 */
const SDK = join(__dirname, '..', 'sdk');
const run = promisify(execFile);

function memory(): TokenStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

describe('the client against the server (header mode)', () => {
  let t: ListeningApp;
  const clients: AuthClient[] = [];
  const client = (storage?: TokenStorage) => {
    const c = createAuthClient({ baseUrl: t.url, transport: 'header', storage });
    clients.push(c);
    return c;
  };

  beforeAll(async () => (t = await startListeningApp()));
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await t.close();
  });

  it('signs up, logs in, lists and ends sessions, changes the password and logs out', async () => {
    const user = credentials();
    const auth = client();
    const states: AuthState[] = [];
    auth.onChange((state) => states.push(state));
    expect(auth.state).toEqual({ status: 'signed-out', reason: null });
    expect((await auth.signUp(user)).username).toBe(user.username);
    // A user without a second factor: login resolves to the user (else to a SecondStep).
    const me = (await auth.login({ ...user, permanent: true })) as LoggedInUser;
    expect(auth.state).toMatchObject({ status: 'signed-in', user: me, permanent: true, refreshExpiresAt: expect.any(Number) });
    expect(await auth.me()).toMatchObject({ username: user.username, clientId: me.clientId });

    const other = client();
    const otherUser = (await other.login(user)) as LoggedInUser;
    expect((await auth.sessions.list()).map((c) => [c.id, c.current])).toEqual([
      [otherUser.clientId, false],
      [me.clientId, true],
    ]);
    await auth.sessions.end(otherUser.clientId);
    await expect(other.me()).rejects.toMatchObject({ status: 401, reason: 'revoked', action: 'reauthenticate' });
    expect(other.state).toEqual({ status: 'signed-out', reason: 'revoked' });
    const history = await auth.sessions.list({ includeEnded: true });
    expect(history.find((c) => c.id === otherUser.clientId)).toMatchObject({ endReason: 'revoked' });

    await client().login(user);
    await auth.sessions.endOthers();
    expect((await auth.sessions.list()).map((c) => c.id)).toEqual([me.clientId]);

    await auth.changePassword({ currentPassword: user.password, newPassword: 'another long password' });
    await expect(auth.changePassword({ currentPassword: 'wrong password', newPassword: 'x'.repeat(10) })).rejects.toMatchObject({ status: 403 });
    await auth.logout();
    expect(auth.state).toEqual({ status: 'signed-out', reason: 'logout' });
    expect(states.map((s) => s.status)).toEqual(['signed-in', 'signed-out']);
    await expect(auth.me()).rejects.toBeInstanceOf(AuthError);
  });

  it('throws one typed error carrying status, reason and action', async () => {
    const auth = client();
    const error = await auth.login({ username: 'nobody_here', password: 'wrong password' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ status: 401, message: 'Invalid username or password', body: { statusCode: 401 } });
    const invalid = await auth.signUp({ username: 'x', password: 'short' }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 400 });
  });

  it('rotates both tokens on refresh()', async () => {
    const user = credentials();
    const storage = memory();
    const auth = client(storage);
    await auth.signUp(user);
    await auth.login({ ...user, permanent: true });
    const before = JSON.parse([...storage.items.values()][0]);
    await expect(auth.refresh()).resolves.toBe(true);
    const after = JSON.parse([...storage.items.values()][0]);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(await auth.me()).toMatchObject({ username: user.username });
  });

  it('keeps tokens in memory unless a storage is given; a given storage resumes the session', async () => {
    const user = credentials();
    const auth = client();
    await auth.signUp(user);
    await auth.login({ ...user, permanent: true });
    expect(client().state.status).toBe('signed-out');

    const storage = memory();
    const first = client(storage);
    await first.login({ ...user, permanent: true });
    const resumed = client(storage);
    await expect(resumed.me()).resolves.toMatchObject({ username: user.username });
  });

  it("authenticates fetch for the app's own requests, body and all", async () => {
    const user = credentials();
    const auth = client();
    await auth.signUp(user);
    await auth.login({ ...user, permanent: true });
    const response = await auth.fetch(`${t.url}/me/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: user.password, newPassword: 'brand new password' }),
    });
    expect(response.status).toBe(204);
  });
});

/** A scripted server: each route answers from the test's handler; every request is recorded. */
function scripted(routes: (request: Request, body: string) => Response | Promise<Response>) {
  const calls: { method: string; path: string; authorization: string | null; body: string }[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = await request.text();
    calls.push({ method: request.method, path: new URL(request.url).pathname, authorization: request.headers.get('authorization'), body });
    await Promise.resolve();
    return routes(request, body);
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const rejected = (reason: string) =>
  json(401, { statusCode: 401, error: 'Unauthorized', message: 'no', reason, action: reason === 'expired' ? 'refresh' : 'reauthenticate' });
const tokens = (n: number, expiresIn = 900) => ({
  accessToken: `access-${n}`,
  tokenType: 'Bearer',
  expiresIn,
  refreshToken: `refresh-${n}`,
  refreshExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
  sessionExpiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
});
const loginBody = (n: number, expiresIn?: number) => ({ token: tokens(n, expiresIn), user: { id: 'u1', username: 'alice', clientId: 'c1' } });

describe("the client's recovery calls (a real SMTP server)", () => {
  let t: ListeningApp;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await new SmtpSink(await freePort()).start();
    t = await startListeningApp({ SMTP_URL: sink.url, AUTH_PUBLIC_URL: 'https://auth.example.test' });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  async function lastLink(address: string, kind: 'reset' | 'verify'): Promise<string> {
    await t.app.get(MailOutboxService).deliverDue();
    await t.app.get(MailOutboxService).deliverDue();
    return linkToken(sink.to(address).at(-1)!, kind);
  }

  it('sets and verifies an email, then resets a forgotten password, which signs this client out', async () => {
    const user = credentials();
    const address = `${user.username.toLowerCase()}@example.test`;
    const auth = createAuthClient({ baseUrl: t.url, transport: 'header' });
    await auth.signUp(user);
    await auth.login({ ...user, permanent: true });
    await expect(auth.email.get()).resolves.toEqual({ email: null, verified: false });
    await auth.email.set(address);
    await expect(auth.email.get()).resolves.toEqual({ email: address, verified: false });
    await expect(auth.email.verify('not-a-token')).rejects.toMatchObject({ status: 400, reason: 'invalid_token' });
    await auth.email.verify(await lastLink(address, 'verify'));
    await expect(auth.email.get()).resolves.toEqual({ email: address, verified: true });

    await expect(auth.password.forgot(address)).resolves.toEqual(await auth.password.forgot('nobody@example.test'));
    const token = await lastLink(address, 'reset');
    await auth.password.reset({ token, newPassword: 'a brand new password' });
    await expect(auth.password.reset({ token, newPassword: 'a brand new password' })).rejects.toMatchObject({ status: 400, reason: 'invalid_token' });
    await expect(auth.me()).rejects.toMatchObject({ status: 401 });
    expect(auth.state).toMatchObject({ status: 'signed-out' });
    await auth.login({ ...user, password: 'a brand new password' });
    auth.close();
  });
});

describe("the client's refresh rules (scripted server)", () => {
  const opened: AuthClient[] = [];
  const open = (fetch: typeof globalThis.fetch, storage?: TokenStorage) => {
    // The app's API is another origin: named, so auth.fetch sends it the token (issue 24 item 12).
    const auth = createAuthClient({ baseUrl: 'http://auth.test', transport: 'header', fetch, storage, tokenOrigins: ['http://api.test'] });
    opened.push(auth);
    return auth;
  };
  afterEach(() => {
    opened.splice(0).forEach((c) => c.close());
    jest.useRealTimers();
  });

  /** Access token 1 is expired at the server; /token hands out token 2. */
  function expiringServer() {
    let rotations = 0;
    return scripted((request, body) => {
      const path = new URL(request.url).pathname;
      if (path === '/auth') return json(200, loginBody(1));
      if (path === '/token') {
        rotations += 1;
        expect(JSON.parse(body)).toEqual({ refreshToken: 'refresh-1' });
        return json(201, { token: tokens(1 + rotations) });
      }
      if (request.headers.get('authorization') === 'Bearer access-1') return rejected('expired');
      return json(200, { echoed: body, path });
    });
  }

  it('retries a request that failed as expired once, with the new token and the same body', async () => {
    const server = expiringServer();
    const auth = open(server.fetch);
    await auth.login({ username: 'alice', password: 'whatever pw', permanent: true });
    const response = await auth.fetch('http://api.test/orders', {
      method: 'POST',
      body: '{"item":42}',
      headers: { 'content-type': 'application/json' },
    });
    expect(await response.json()).toEqual({ echoed: '{"item":42}', path: '/orders' });
    expect(server.calls.map((c) => `${c.method} ${c.path} ${c.authorization ?? ''}`)).toEqual([
      'POST /auth ',
      'POST /orders Bearer access-1',
      'POST /token ',
      'POST /orders Bearer access-2',
    ]);
  });

  it('refreshes once for ten requests that fail as expired together (single-flight)', async () => {
    const server = expiringServer();
    const auth = open(server.fetch);
    await auth.login({ username: 'alice', password: 'whatever pw', permanent: true });
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => auth.fetch(`http://api.test/items/${i}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(server.calls.filter((c) => c.path === '/token')).toHaveLength(1);
  });

  it.each(['revoked', 'reused', 'idle_expired', 'absolute_expired'])('never refreshes after %s: it signs out and says why', async (reason) => {
    const server = scripted((request) => (new URL(request.url).pathname === '/auth' ? json(200, loginBody(1)) : rejected(reason)));
    const auth = open(server.fetch);
    await auth.login({ username: 'alice', password: 'whatever pw', permanent: true });
    const changes: AuthState[] = [];
    auth.onChange((state) => changes.push(state));
    expect((await auth.fetch('http://api.test/x')).status).toBe(401);
    expect(auth.state).toEqual({ status: 'signed-out', reason });
    expect(changes).toEqual([{ status: 'signed-out', reason }]);
    expect(server.calls.filter((c) => c.path === '/token')).toHaveLength(0);
  });

  it("signs out with the server's reason when the refresh itself is refused", async () => {
    const server = scripted((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/auth') return json(200, loginBody(1));
      return rejected(path === '/token' ? 'reused' : 'expired');
    });
    const auth = open(server.fetch);
    await auth.login({ username: 'alice', password: 'whatever pw', permanent: true });
    await expect(auth.me()).rejects.toMatchObject({ status: 401, reason: 'expired' });
    expect(auth.state).toEqual({ status: 'signed-out', reason: 'reused' });
    expect(server.calls.filter((c) => c.path === '/token')).toHaveLength(1);
  });

  it('a logout whose own refresh is refused still ends as the logout the user asked for', async () => {
    const server = scripted((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/auth') return json(200, loginBody(1));
      return rejected(path === '/token' ? 'invalid' : 'expired');
    });
    const auth = open(server.fetch);
    await auth.login({ username: 'alice', password: 'whatever pw', permanent: true });
    const changes: AuthState[] = [];
    auth.onChange((state) => changes.push(state));
    await auth.logout();
    expect(auth.state).toEqual({ status: 'signed-out', reason: 'logout' });
    // The refused refresh's own reason is never heard, not even for a moment before the logout's.
    expect(changes).toEqual([{ status: 'signed-out', reason: 'logout' }]);
    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /auth', 'POST /auth/logout', 'POST /token']);
  });

  it('a logout after the session ended for another reason says logout, in every tab', async () => {
    const server = scripted((request) => (new URL(request.url).pathname === '/auth' ? json(200, loginBody(1)) : rejected('revoked')));
    const storage = memory();
    const [first, second] = [open(server.fetch, storage), open(server.fetch, storage)];
    await first.login({ username: 'alice', password: 'whatever pw', permanent: true });
    await expect(first.me()).rejects.toMatchObject({ reason: 'revoked' });
    expect(first.state).toEqual({ status: 'signed-out', reason: 'revoked' });
    await second.logout();
    expect(second.state).toEqual({ status: 'signed-out', reason: 'logout' });
    expect(JSON.parse([...storage.items.values()][0])).toEqual({ signedOut: 'logout' });
  });

  it('a refresh refused because another tab logged out meanwhile keeps that tab’s reason', async () => {
    // Two tabs share the stored session. /token answers only once the other tab's logout has ended
    // the session and cleared the cookie the refresh sent: as in a browser, it then answers invalid.
    let loggedOut: () => void = () => undefined;
    const logout = new Promise<void>((resolve) => (loggedOut = resolve));
    const server = scripted(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/auth') return json(200, loginBody(1));
      if (path === '/auth/logout') return new Response(null, { status: 204 });
      if (path === '/token') return logout.then(() => rejected('invalid'));
      return rejected('expired');
    });
    const storage = memory();
    const [first, second] = [open(server.fetch, storage), open(server.fetch, storage)];
    await first.login({ username: 'alice', password: 'whatever pw', permanent: true });
    const refused = first.me().catch((error: AuthError) => error.reason);
    await new Promise((resolve) => setImmediate(resolve));
    await second.logout();
    loggedOut();
    expect(await refused).toBe('expired');
    expect(first.state).toEqual({ status: 'signed-out', reason: 'logout' });
    expect(JSON.parse([...storage.items.values()][0])).toEqual({ signedOut: 'logout' });
  });

  it('a non-permanent session signs out as expired instead of refreshing', async () => {
    const server = scripted((request) =>
      new URL(request.url).pathname === '/auth'
        ? json(200, { ...loginBody(1), token: { accessToken: 'access-1', tokenType: 'Bearer', expiresIn: 900 } })
        : rejected('expired'),
    );
    const auth = open(server.fetch);
    await auth.login({ username: 'alice', password: 'whatever pw' });
    expect((await auth.fetch('http://api.test/x')).status).toBe(401);
    expect(auth.state).toEqual({ status: 'signed-out', reason: 'expired' });
    expect(server.calls.filter((c) => c.path === '/token')).toHaveLength(0);
  });

  it('refreshes ahead of expiry, from the deadline the server sent, with jitter', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    let rotations = 0;
    const server = scripted((request) => {
      if (new URL(request.url).pathname === '/auth') return json(200, loginBody(1, 100));
      rotations += 1;
      return json(201, { token: { ...tokens(1 + rotations, 100), refreshToken: `refresh-${1 + rotations}` } });
    });
    const auth = open(server.fetch);
    await auth.login({ username: 'alice', password: 'whatever pw', permanent: true });
    await jest.advanceTimersByTimeAsync(79_000); // more than 20% of the 100 s life is left: not yet
    expect(rotations).toBe(0);
    await jest.advanceTimersByTimeAsync(11_000); // refreshed when 10-20% is left
    expect(rotations).toBe(1);
    expect(auth.state).toMatchObject({ status: 'signed-in', accessExpiresAt: expect.any(Number) });
    await jest.advanceTimersByTimeAsync(90_000); // and again from the new deadline
    expect(rotations).toBe(2);
  });
});

describe('the built package', () => {
  let t: ListeningApp;
  beforeAll(async () => (t = await startListeningApp()));
  afterAll(() => t.close());

  const script = (load: string) => `
    ${load}
    const auth = createAuthClient({ baseUrl: process.argv[1], transport: 'header' });
    const user = { username: 'node_' + process.pid, password: 'correct horse battery' };
    Promise.resolve()
      .then(() => auth.signUp(user))
      .then(() => auth.login({ ...user, permanent: true }))
      .then(() => auth.me())
      .then((me) => { console.log(me.username === user.username && auth.state.status); auth.close(); });`;

  it('works in Node as CommonJS and as an ES module', async () => {
    const cjs = await run(
      process.execPath,
      ['-e', script(`const { createAuthClient } = require(${JSON.stringify(join(SDK, 'dist', 'cjs', 'index.js'))});`), t.url],
      { timeout: 15_000 },
    );
    expect(cjs.stdout.trim()).toBe('signed-in');
    const esm = await run(
      process.execPath,
      ['--input-type=module', '-e', script(`import { createAuthClient } from ${JSON.stringify(join(SDK, 'dist', 'esm', 'index.js'))};`), t.url],
      { timeout: 15_000 },
    );
    expect(esm.stdout.trim()).toBe('signed-in');
  });

  it("is served at GET /sdk/auth-client.js: one ES module, cacheable, the server's version", async () => {
    const built = readFileSync(join(SDK, 'dist', 'esm', 'index.js'), 'utf8');
    expect(built).not.toMatch(/^\s*(import|export \* from|export \{[^}]*\} from)\s/m); // nothing to resolve: no import map needed
    const response = await fetch(`${t.url}/sdk/auth-client.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(await response.text()).toBe(built);
    const etag = response.headers.get('etag') as string;
    expect((await fetch(`${t.url}/sdk/auth-client.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const version = (file: string) => JSON.parse(readFileSync(file, 'utf8')).version;
    expect(version(join(SDK, 'package.json'))).toBe(version(join(__dirname, '..', 'package.json')));
  });
});

describe("the client's types", () => {
  // Each list must name every property of its type (tsc checks it: npm test builds first).
  const keys = {
    UserResponseDto: { id: true, username: true, createdAt: true } satisfies Record<keyof UserResponse, true>,
    MeResponseDto: { id: true, username: true, createdAt: true, clientId: true } satisfies Record<keyof MeResponse, true>,
    LoginResponseDto: { token: true, user: true } satisfies Record<keyof LoginResponse, true>,
    RefreshResponseDto: { token: true } satisfies Record<keyof RefreshResponse, true>,
    TokensDto: {
      accessToken: true,
      tokenType: true,
      expiresIn: true,
      refreshToken: true,
      refreshExpiresAt: true,
      sessionExpiresAt: true,
    } satisfies Record<keyof TokensResponse, true>,
    ClientResponseDto: {
      id: true,
      createdAt: true,
      lastUsedAt: true,
      expiresAt: true,
      userAgent: true,
      ip: true,
      browser: true,
      os: true,
      permanent: true,
      current: true,
      bound: true,
      application: true,
      provider: true,
    } satisfies Record<keyof ClientResponse, true>,
    EmailResponseDto: { email: true, verified: true, pendingEmail: true } satisfies Record<keyof EmailResponse, true>,
    ForgotPasswordResponseDto: { message: true } satisfies Record<keyof ForgotPasswordResponse, true>,
    ErrorResponseDto: { statusCode: true, error: true, message: true, reason: true, action: true } satisfies Record<keyof ErrorBody, true>,
    FactorsResponseDto: { totp: true, passkeys: true, recoveryCodesLeft: true } satisfies Record<keyof FactorsResponse, true>,
    PasskeyResponseDto: { id: true, name: true, createdAt: true, lastUsedAt: true, clients: true } satisfies Record<keyof PasskeyResponse, true>,
    TotpEnrolmentResponseDto: { secret: true, otpauthUri: true } satisfies Record<keyof TotpEnrolmentResponse, true>,
    RecoveryCodesResponseDto: { recoveryCodes: true } satisfies Record<keyof RecoveryCodesResponse, true>,
  };
  const history = { endedAt: true, endReason: true, endedBy: true } satisfies Record<
    Exclude<keyof ClientHistoryResponse, keyof ClientResponse>,
    true
  >;

  it('name exactly the properties of the OpenAPI document the built server publishes', async () => {
    const server = await startServerProcess({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' });
    try {
      const document = (await (await fetch(`${server.url}/docs-json`)).json()) as any;
      // GET /clients documents its items as ClientHistoryResponseDto: the live fields and the ending ones.
      const { ClientResponseDto: client, ...rest } = keys;
      const published = { ...rest, ClientHistoryResponseDto: { ...client, ...history } };
      for (const [schema, properties] of Object.entries(published)) {
        expect([schema, Object.keys(document.components.schemas[schema].properties).sort()]).toEqual([schema, Object.keys(properties).sort()]);
      }
      // Cookie mode leaves accessToken out, so the client's type has it optional; the rest agree.
      expect(document.components.schemas.TokensDto.required.sort()).toEqual(['accessToken', 'expiresIn', 'tokenType']);
    } finally {
      await server.stop();
    }
  });

  it('follow GET /clients?include=ended, which the OpenAPI document does not describe', async () => {
    const t = await startListeningApp();
    try {
      const auth = createAuthClient({ baseUrl: t.url, transport: 'header' });
      const user = credentials();
      await auth.signUp(user);
      await auth.login(user);
      const [row] = await auth.sessions.list({ includeEnded: true });
      // `provider` is there only for a client an upstream provider signed in (test/providers.e2e-spec.ts).
      const always = Object.keys(keys.ClientResponseDto).filter((key) => key !== 'provider');
      expect(Object.keys(row).sort()).toEqual([...always, ...Object.keys(history)].sort());
      auth.close();
    } finally {
      await t.close();
    }
  });
});
