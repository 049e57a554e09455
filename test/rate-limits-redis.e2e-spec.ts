import { createServer, Server, Socket } from 'node:net';
import { freePort, startApp, TestApp } from './support/app';
import { createTestRedis, redisUrl } from './support/engines';
import { signUp } from './support/factories';

/** A TCP proxy in front of the test Redis that can be frozen: connections stay open, nothing is answered. */
async function freezableProxy(target: URL): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket().connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (data) => void (frozen || upstream.write(data)));
    upstream.on('data', (data) => void (frozen || client.write(data)));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => void (frozen = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

(redisUrl ? describe : describe.skip)('rate limits in Redis', () => {
  it('are shared by every instance on one Redis', async () => {
    // Sign-ups, not logins: passport's strategy registry is one per process, so two in-process apps
    // would check every login through the newer one's limits.
    const redis = createTestRedis();
    const env = { ...redis.env, AUTH_SIGNUP_MAX_PER_ADDRESS: '3' };
    const [a, b] = [await startApp(env), await startApp(env)];
    try {
      for (const t of [a, b, a]) await signUp(t.http);
      const limited = await b.http.post('/users').send({ username: 'one_too_many', password: 'correct horse battery' }).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await redis.clear();
    }
  });

  it('fall back to the in-process limiter when Redis stalls: no hang, still limited', async () => {
    const proxy = await freezableProxy(new URL(redisUrl!));
    let t: TestApp | undefined;
    try {
      t = await startApp({ REDIS_URL: proxy.url, AUTH_LOGIN_MAX_FAILURES_PER_USER_ADDRESS: '3' });
      await t.http.get('/health').expect(200);
      const user = await signUp(t.http);
      await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(200);
      proxy.freeze();
      for (let i = 0; i < 3; i += 1) await t.http.post('/auth').send({ username: user.username, password: 'wrong password' }).expect(401);
      const limited = await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      const other = await signUp(t.http);
      await t.http.post('/auth').send({ username: other.username, password: other.password }).expect(200);
    } finally {
      await proxy.close(); // the stalled connections close, so the app's shutdown does not wait on them
      await t?.close();
    }
  }, 20_000);
});
