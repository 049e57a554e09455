import { startApp, TestApp } from './support/app';
import { dpopHeaders, dpopKey } from './support/dpop';
import { createTestDatabase, createTestRedis, postgresUrl, redisUrl, TestDatabase, TestRedis } from './support/engines';
import { signUp } from './support/factories';

/**
 * Two in-process apps on one PostgreSQL database and one Redis (one key prefix), as two instances
 * behind a load balancer: a DPoP proof spent on one is refused on the other. Runs under npm run test:postgres.
 */
const enabled = Boolean(postgresUrl && redisUrl);
const ISSUER = 'https://auth.example.test';
const url = (path: string) => `${ISSUER}${path}`;

(enabled ? describe : describe.skip)('DPoP across two instances (PostgreSQL and Redis)', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    const env = { DATABASE_URL: database.url, ...redis.env, AUTH_ISSUER: ISSUER, AUTH_DPOP_NONCE: 'true' };
    a = await startApp(env);
    b = await startApp(env);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    await redis?.clear();
  });

  it('a proof spent on A is a replay on B; the binding and the nonce hold on both', async () => {
    const user = await signUp(a.http);
    const key = await dpopKey();
    // The nonce A asks for is one B accepts: both derive it from the same secret, nothing is stored.
    const ask = await a.http
      .post('/auth?permanent=true')
      .set(await dpopHeaders(key, 'POST', url('/auth')))
      .send({ username: user.username, password: user.password });
    expect(ask.status).toBe(400);
    const nonce = ask.headers['dpop-nonce'];
    const login = await b.http
      .post('/auth?permanent=true')
      .set(await dpopHeaders(key, 'POST', url('/auth'), undefined, nonce))
      .send({ username: user.username, password: user.password })
      .expect(200);
    const { accessToken, refreshToken } = login.body.token;

    const headers = await dpopHeaders(key, 'GET', url('/me'), accessToken, nonce);
    await a.http.get('/me').set(headers).expect(200);
    const replayed = await b.http.get('/me').set(headers);
    expect(replayed.status).toBe(401);
    expect(replayed.body.reason).toBe('invalid_dpop_proof');

    const refreshProof = await dpopHeaders(key, 'POST', url('/token'), undefined, nonce);
    const refreshed = await a.http.post('/token').set(refreshProof).send({ refreshToken }).expect(201);
    const again = await b.http.post('/token').set(refreshProof).send({ refreshToken: refreshed.body.token.refreshToken });
    expect(again.status).toBe(400);
    expect(again.body.reason).toBe('invalid_dpop_proof');

    // Refreshed on B with a fresh proof by the key: the binding lives in the database.
    await b.http
      .post('/token')
      .set(await dpopHeaders(key, 'POST', url('/token'), undefined, nonce))
      .send({ refreshToken: refreshed.body.token.refreshToken })
      .expect(201);
  });
});
