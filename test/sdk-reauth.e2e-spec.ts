import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AuthClient, AuthClientOptions, createAuthClient, ReauthenticationRequest, TokenStorage } from '../sdk/src/index';
import { freePort, ListeningApp, startListeningApp } from './support/app';
import { controlAppClock, ManualClock } from './support/clock';
import { credentials } from './support/factories';

/*
 * The sdk and recent authentication (issue 24 item 2), and where header mode sends the access token
 * (item 12): against the real server, whose clock the tests move.
 */
const ELEVEN_MINUTES = 11 * 60_000;

function memory(): TokenStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

/** An HTTP server of some other origin that records the headers it is sent. */
async function recordingServer(): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    res.end('{}');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://localhost:${port}`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the sdk and recent authentication', () => {
  let t: ListeningApp;
  let clock: ManualClock;
  const clients: AuthClient[] = [];
  beforeAll(async () => (t = await startListeningApp()));
  beforeEach(() => (clock = controlAppClock(t.app)));
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await t.close();
  });

  /** A signed-in header-mode client, its storage and every request it sent (method and path). */
  async function signedIn(options: Partial<AuthClientOptions> = {}) {
    const user = credentials();
    const storage = memory();
    const sent: string[] = [];
    const auth = createAuthClient({
      baseUrl: t.url,
      transport: 'header',
      storage,
      fetch: (input, init) => {
        const request = new Request(input, init);
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        return fetch(request);
      },
      ...options,
    });
    clients.push(auth);
    await auth.signUp(user);
    await auth.login({ ...user, permanent: true });
    sent.length = 0;
    return { auth, user, storage, sent };
  }

  it('asks the app once, reauthenticates and retries the request once', async () => {
    const asked: ReauthenticationRequest[] = [];
    let password = '';
    const { auth, user, sent } = await signedIn({
      onReauthenticate: async (request) => {
        asked.push(request);
        await auth.reauthenticate(password);
      },
    });
    password = user.password;
    clock.advance(ELEVEN_MINUTES);
    await auth.email.set('someone@example.com');
    expect(asked).toEqual([{ maxAge: 600 }]);
    expect(sent).toEqual(['PUT /me/email', 'POST /auth/reauthenticate', 'PUT /me/email']);
    expect((await auth.email.get()).email).toBe('someone@example.com');
  });

  it('never loops: a retry that is refused again fails with reauthentication_required', async () => {
    let asked = 0;
    const { auth, sent } = await signedIn({ onReauthenticate: () => void (asked += 1) });
    clock.advance(ELEVEN_MINUTES);
    await expect(auth.email.set('someone@example.com')).rejects.toMatchObject({ status: 401, reason: 'reauthentication_required' });
    expect(asked).toBe(1);
    expect(sent).toEqual(['PUT /me/email', 'PUT /me/email']);
    expect(auth.state.status).toBe('signed-in');
  });

  it('a cancelled prompt (false) or no hook at all fails the request without a retry, signed in still', async () => {
    const cancelled = await signedIn({ onReauthenticate: () => false });
    const none = await signedIn();
    clock.advance(ELEVEN_MINUTES);
    for (const { auth, sent } of [cancelled, none]) {
      await expect(auth.email.set('someone@example.com')).rejects.toMatchObject({ status: 401, reason: 'reauthentication_required' });
      expect(sent).toEqual(['PUT /me/email']);
      expect(auth.state.status).toBe('signed-in');
    }
  });

  it('requests that ask at the same time share one prompt', async () => {
    let asked = 0;
    let password = '';
    const { auth, user } = await signedIn({
      onReauthenticate: async () => {
        asked += 1;
        await auth.reauthenticate(password);
      },
    });
    password = user.password;
    clock.advance(ELEVEN_MINUTES);
    await Promise.all([auth.email.set('one@example.com'), auth.email.set('one@example.com'), auth.email.set('one@example.com')]);
    expect(asked).toBe(1);
  });

  it('a wrong password rejects with invalid_credentials and neither refreshes nor signs out', async () => {
    const { auth, storage, sent } = await signedIn();
    const before = JSON.parse([...storage.items.values()][0]);
    await expect(auth.reauthenticate('not the password')).rejects.toMatchObject({ status: 401, reason: 'invalid_credentials' });
    expect(sent).toEqual(['POST /auth/reauthenticate']);
    expect(auth.state.status).toBe('signed-in');
    expect(JSON.parse([...storage.items.values()][0])).toEqual(before);
  });

  it('a reauthentication replaces the access token and keeps the refresh token', async () => {
    const { auth, user, storage } = await signedIn();
    const before = JSON.parse([...storage.items.values()][0]);
    await auth.reauthenticate(user.password);
    const after = JSON.parse([...storage.items.values()][0]);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toBe(before.refreshToken);
    await expect(auth.refresh()).resolves.toBe(true);
  });
});

describe('auth.fetch() in header mode sends the token only where the app said', () => {
  let t: ListeningApp;
  let other: Awaited<ReturnType<typeof recordingServer>>;
  let named: Awaited<ReturnType<typeof recordingServer>>;
  beforeAll(async () => {
    t = await startListeningApp();
    other = await recordingServer();
    named = await recordingServer();
  });
  afterAll(async () => {
    await t.close();
    await other.close();
    await named.close();
  });

  it('attaches the token to the service and the tokenOrigins, and to no other URL it is given', async () => {
    const auth = createAuthClient({ baseUrl: t.url, transport: 'header', tokenOrigins: [`${named.url}/`] });
    try {
      const user = credentials();
      await auth.signUp(user);
      await auth.login(user);
      expect((await auth.fetch(`${t.url}/me`)).status).toBe(200);
      await auth.fetch(`${named.url}/orders`);
      expect(named.seen.at(-1)?.authorization).toMatch(/^Bearer /);
      // Another origin, also one that differs from the service's only by host spelling (127.0.0.1 vs localhost).
      await auth.fetch(`${other.url}/collect`);
      await auth.fetch(`${other.url.replace('localhost', '127.0.0.1')}/collect`);
      await auth.fetch(new Request(`${other.url}/request-object`, { headers: { 'x-app': '1' } }));
      expect(other.seen).toHaveLength(3);
      for (const headers of other.seen) expect(headers.authorization).toBeUndefined();
    } finally {
      auth.close();
    }
  });

  it('refuses a tokenOrigins entry that is not an http(s) origin when the client is made', () => {
    expect(() => createAuthClient({ baseUrl: t.url, transport: 'header', tokenOrigins: ['api.example.com'] })).toThrow(TypeError);
    expect(() => createAuthClient({ baseUrl: t.url, transport: 'header', tokenOrigins: ['javascript:alert(1)'] })).toThrow(TypeError);
  });
});
