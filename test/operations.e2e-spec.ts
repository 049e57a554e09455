import { freePort, startApp } from './support/app';
import { createTestDatabase, postgresUrl } from './support/engines';
import { credentials, login, signUp } from './support/factories';
import { startServerProcess } from './support/server-process';

describe('when Redis is down', () => {
  it('reports it in GET /health (503), keeps serving logins and still limits failures per instance', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const t = await startApp({ REDIS_URL: deadRedis, AUTH_LOGIN_MAX_FAILURES_PER_USER: '2' });
    try {
      const health = await t.http.get('/health').expect(503);
      expect(health.body.details).toMatchObject({ redis: { status: 'down' }, database: { status: 'up' } });
      const user = await signUp(t.http);
      await login(t.http, user);
      await t.http.post('/auth').send({ username: user.username, password: 'wrong password' }).expect(401);
      await t.http.post('/auth').send({ username: user.username, password: 'wrong password' }).expect(401);
      await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(429);
    } finally {
      await t.close();
    }
  });
});

(postgresUrl ? describe : describe.skip)('when PostgreSQL is down', () => {
  it('answers GET /health with 503 and other requests without a stack trace', async () => {
    const database = await createTestDatabase();
    const t = await startApp({ DATABASE_URL: database.url });
    try {
      const user = await signUp(t.http);
      await database.drop(); // terminates the app's connections
      const health = await t.http.get('/health').expect(503);
      expect(health.body.details.database.status).toBe('down');
      const login = await t.http.post('/auth').send({ username: user.username, password: user.password });
      expect(login.status).toBe(503);
      expect(login.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
    } finally {
      await t.close();
    }
  });
});

describe('SIGTERM', () => {
  it('lets in-flight requests finish, answers 503 to late ones, then exits 0 within 10 s', async () => {
    const database = await createTestDatabase({ shared: true });
    const server = await startServerProcess({ DATABASE_URL: database.url });
    try {
      const user = credentials();
      const signUp = await fetch(`${server.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(user),
      });
      expect(signUp.status).toBe(201);
      // Eight logins (each an argon2id verify, four at a time on the thread pool): once the first has
      // answered, the server is busy with the others, and the signal arrives while they are in flight.
      const logins = Array.from({ length: 8 }, () =>
        fetch(`${server.url}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) }).then(
          (r) => r.status,
        ),
      );
      await Promise.race(logins);
      server.signal('SIGTERM');
      // No request is cut off: those that arrived finish (200), any that arrive after the signal get a 503.
      const statuses = await Promise.all(logins);
      expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(4);
      // 0, not the 1 of main.ts's 10 s fallback: the shutdown finished on its own.
      await expect(server.exited).resolves.toBe(0);
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});
