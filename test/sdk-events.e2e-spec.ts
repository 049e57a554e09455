import { AuthClient, createAuthClient, StreamedEvent, TokenStorage } from '../sdk/src/index';
import { ListeningApp, startListeningApp } from './support/app';
import { controlAppClock, ManualClock } from './support/clock';
import { credentials, login, signUp, TestUser } from './support/factories';

/*
 * The SDK's events.subscribe in Node (header mode) against the real server: the server ends each
 * stream at its access token's exp, and the app sees one unbroken stream (every event once, no end)
 * until the session itself ends, which it hears once.
 */
function memory(): TokenStorage {
  const items = new Map<string, string>();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

/** An app's view of the stream: the events, the ends, and how many streams the server opened. */
function subscriber(auth: AuthClient, opened: { count: number }) {
  const events: StreamedEvent[] = [];
  const ends: string[] = [];
  const waiters: Array<() => void> = [];
  const stop = auth.events.subscribe(
    (event) => {
      events.push(event);
      waiters.forEach((w) => w());
    },
    {
      onEnd: (reason) => {
        ends.push(reason);
        waiters.forEach((w) => w());
      },
    },
  );
  // Also polled: the stream's requests and the sign-out happen outside these callbacks.
  const until = async (test: () => boolean) => {
    while (!test()) await new Promise<void>((done) => (waiters.push(done), setTimeout(done, 20)));
  };
  return { events, ends, stop, until, opened };
}

describe('auth.events.subscribe (the SDK’s stream)', () => {
  let t: ListeningApp;
  let clock: ManualClock;
  const clients: AuthClient[] = [];
  beforeAll(async () => {
    // A keep-alive every 50 ms: the stream of a token the clock moved past its exp ends on the next one.
    t = await startListeningApp({ AUTH_EVENT_STREAMS_PER_CLIENT: '2' }, [], { config: (env) => void (env.auth.eventStreamKeepAlive = 0.05) });
    clock = controlAppClock(t.app);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    // Every assertion is made and every client closed: a connection the server still counts as busy
    // (fetch's, left over from a stream) would hold the close for seconds.
    t.app.getHttpAdapter().getInstance().server.closeAllConnections();
    await t.close();
  });

  /**
   * A header-mode client that counts the streams the server opened for it; `hold` may delay a stream
   * request before it is sent and after it was answered (the switch between two connections).
   */
  async function signedIn(user: TestUser, permanent: boolean, hold?: { before(): Promise<void>; after(): Promise<void> }) {
    const opened = { count: 0 };
    const auth = createAuthClient({
      baseUrl: t.url,
      transport: 'header',
      storage: memory(),
      fetch: async (input, init) => {
        const stream = (input instanceof Request ? input.url : String(input)).endsWith('/clients/current/events');
        if (stream && opened.count > 0) await hold?.before();
        const response = await fetch(input, init);
        if (stream && response.ok && ++opened.count > 1) await hold?.after();
        return response;
      },
    });
    clients.push(auth);
    await auth.login({ username: user.username, password: user.password, permanent });
    return { auth, opened };
  }

  async function signIn(user: TestUser, name: string): Promise<string> {
    return (await login(t.http, user, true, name)).clientId;
  }

  it('when the server ends the stream at the token’s exp, reconnects with a fresh token: no end, no event lost or doubled', async () => {
    const user = await signUp(t.http, credentials());
    const { auth, opened } = await signedIn(user, true);
    const app = subscriber(auth, opened);
    await app.until(() => opened.count === 1); // open before the event it must carry (on a loaded machine the login can win)
    const first = await signIn(user, 'first');
    await app.until(() => app.events.length === 1);

    // The server's clock passes the token's exp: the next keep-alive ends the stream.
    clock.advance(15 * 60_000 + 1_000);
    await app.until(() => opened.count >= 2);
    const second = await signIn(user, 'second');
    await app.until(() => app.events.length === 2);
    expect(app.events.map((e) => [e.type, e.clientId, e.current])).toEqual([
      ['session.created', first, false],
      ['session.created', second, false],
    ]);
    expect(app.ends).toEqual([]);
    expect(auth.state.status).toBe('signed-in');
    app.stop();
    expect(app.ends).toEqual(['closed']);
  });

  it('a refresh opens the next connection before the old one closes: events around the switch arrive once each', async () => {
    const user = await signUp(t.http, credentials());
    // Assigned once, after the hooks below that read it are defined.
    // eslint-disable-next-line prefer-const
    let app!: ReturnType<typeof subscriber>;
    const held: string[] = [];
    const { auth, opened } = await signedIn(user, true, {
      // While the new connection is not yet sent, the old one still carries events...
      before: async () => {
        await signIn(user, 'before the new one is sent');
        await app.until(() => app.events.length === 2);
        held.push('before');
      },
      // ...and while its answer is held, both carry the next one, which must reach the app once.
      after: async () => {
        await signIn(user, 'carried by both');
        await app.until(() => app.events.length === 3);
        held.push('after');
      },
    });
    app = subscriber(auth, opened);
    await app.until(() => opened.count === 1);
    await signIn(user, 'warm-up');
    await app.until(() => app.events.length === 1);
    await auth.refresh();
    await app.until(() => held.length === 2);
    // On the new connection, after the one both carried: a duplicate would have come first.
    await signIn(user, 'after');
    await app.until(() => app.events.length === 4);
    expect(held).toEqual(['before', 'after']);
    expect(opened.count).toBe(2);
    expect(new Set(app.events.map((e) => e.id)).size).toBe(4);
    expect(app.ends).toEqual([]);
    app.stop();
  });

  it('hears the end of its own session once, with the reason, and stops', async () => {
    const user = await signUp(t.http, credentials());
    const { auth, opened } = await signedIn(user, true);
    const app = subscriber(auth, opened);
    await app.until(() => opened.count === 1); // open before the event it must carry (on a loaded machine the login can win)
    const other = await login(t.http, user, true, 'other');
    await app.until(() => app.events.length === 1);
    await t.http
      .delete(`/clients/${auth.state.status === 'signed-in' ? auth.state.user.clientId : ''}`)
      .set({ authorization: `Bearer ${other.accessToken}` })
      .expect(204);
    await app.until(() => app.ends.length > 0);
    await app.until(() => auth.state.status === 'signed-out');
    expect(app.events.at(-1)).toMatchObject({ type: 'session.ended', current: true });
    expect(opened.count).toBe(1);
    app.stop(); // the app's own stop afterwards: still one end
    auth.close();
    expect(app.ends).toEqual(['revoked']);
  });

  it('a non-permanent client’s stream ends at its deadline, and the app hears “expired” once', async () => {
    const user = await signUp(t.http, credentials());
    const { auth, opened } = await signedIn(user, false);
    const app = subscriber(auth, opened);
    await app.until(() => opened.count === 1); // open before the event it must carry (on a loaded machine the login can win)
    await signIn(user, 'seen');
    await app.until(() => app.events.length === 1);
    clock.advance(15 * 60_000 + 1_000);
    await app.until(() => app.ends.length > 0);
    expect(app.ends).toEqual(['expired']);
    expect(auth.state).toEqual({ status: 'signed-out', reason: 'expired' });
  });
});
