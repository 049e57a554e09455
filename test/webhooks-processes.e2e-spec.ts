import { Webhook } from 'standardwebhooks';
import { freePort } from './support/app';
import { createTestDatabase, createTestRedis, postgresUrl, redisUrl, TestDatabase } from './support/engines';
import { bearerHeader, httpCall } from './support/http-client';
import { ServerProcess, startServerProcess } from './support/server-process';
import { startReceiver, webhookSecret, WebhookReceiver } from './support/webhooks-receiver';

/** The outbox across processes: a kill -9 between the change and its delivery, and two instances sharing one database. */
describe('webhooks across server processes', () => {
  const secret = webhookSecret();
  let database: TestDatabase;
  let receiver: WebhookReceiver | undefined;
  const servers: ServerProcess[] = [];
  beforeEach(async () => {
    database = await createTestDatabase({ shared: true });
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await receiver?.close();
    receiver = undefined;
    await database.drop();
  });

  let counter = 0;
  async function signUpOn(server: ServerProcess) {
    counter += 1;
    const credentials = { username: `hook_${counter}_${Date.now()}`, password: 'correct horse battery' };
    const created = await httpCall(server.url, 'POST', '/users', credentials);
    expect(created.status).toBe(201);
    return { id: created.body.id as string, credentials };
  }

  it('an event stored before a kill -9 is delivered after the restart', async () => {
    const port = await freePort(); // nobody listens yet: the receiver is down
    // A kill mid-delivery leaves the row claimed until its lease (timeout + 10 s) runs out.
    const env = {
      DATABASE_URL: database.url,
      AUTH_WEBHOOK_URLS: `http://127.0.0.1:${port}/hooks`,
      AUTH_WEBHOOK_SECRET: secret,
      AUTH_WEBHOOK_TIMEOUT: '1s',
    };
    const first = await startServerProcess(env);
    const user = await signUpOn(first);
    first.signal('SIGKILL');
    await first.exited;
    expect(first.output()).not.toContain(secret);

    receiver = await startReceiver(port);
    const second = await startServerProcess(env);
    servers.push(second);
    await receiver.waitFor((received) => received.length >= 1, 40_000);
    const event = new Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers) as { type: string; userId: string };
    expect(event).toMatchObject({ type: 'user.created', userId: user.id });
    expect(second.output()).not.toContain(secret);
    expect(second.output()).not.toContain(user.credentials.password);
  }, 60_000);

  const enabled = Boolean(postgresUrl && redisUrl);
  (enabled ? it : it.skip)(
    'two instances on PostgreSQL deliver each event exactly once',
    async () => {
      receiver = await startReceiver(0, 20);
      const redis = createTestRedis();
      const env = {
        DATABASE_URL: database.url,
        ...redis.env,
        AUTH_ISSUER: 'https://auth.example.test',
        AUTH_WEBHOOK_URLS: receiver.url,
        AUTH_WEBHOOK_SECRET: secret,
      };
      try {
        servers.push(await startServerProcess(env), await startServerProcess(env));
        const [a, b] = servers;
        const users = await Promise.all(Array.from({ length: 20 }, (_, i) => signUpOn(i % 2 ? a : b)));
        const logins = await Promise.all(users.map(({ credentials }, i) => httpCall((i % 2 ? b : a).url, 'POST', '/auth', credentials)));
        expect(logins.map((login) => login.status)).toEqual(logins.map(() => 200));
        const logouts = await Promise.all(
          logins.map((login, i) => httpCall((i % 2 ? a : b).url, 'POST', '/auth/logout', undefined, bearerHeader(login.body.token.accessToken))),
        );
        expect(logouts.map((logout) => logout.status)).toEqual(logouts.map(() => 204));
        const expected = users.length * 3;
        await receiver.waitFor((received) => received.length >= expected);
        await new Promise((resolve) => setTimeout(resolve, 1500)); // a second delivery would arrive within a poll
        expect(receiver.received).toHaveLength(expected);
        expect([...receiver.counts().values()].every((count) => count === 1)).toBe(true);
        expect(receiver.counts().size).toBe(expected);
      } finally {
        await redis.clear();
      }
    },
    60_000,
  );
});
