import { DataSource } from 'typeorm';
import { AuthService } from '../src/auth/auth.service';
import { Client } from '../src/clients/client.entity';
import { User } from '../src/users/user.entity';
import { ClientsPrunerService } from '../src/clients/clients-pruner.service';
import { SchedulerRegistry } from '@nestjs/schedule';
import { controlAppClock } from './support/clock';
import { startApp, TestApp } from './support/app';
import { createTestDatabase, createTestRedis, TestDatabase } from './support/engines';
import { bearer, login, signUp, TestUser } from './support/factories';
import { startServerProcess } from './support/server-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Moves a client's stored rotation time back: the grace window runs on the database's clock. */
const rewindRotation = (t: TestApp, clientId: string, ms: number) =>
  t.app.get(DataSource).query(`UPDATE clients SET rotated_at = rotated_at - ${ms} WHERE id = '${clientId}'`);

const refresh = (t: TestApp, refreshToken: string | undefined) => t.http.post('/token').send({ refreshToken });

describe('reuse detection and the grace window', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startApp({ AUTH_REFRESH_GRACE: '2s' });
    user = await signUp(t.http);
  });
  afterAll(() => t.close());

  it('answers a retry of the previous token within grace with the very same successor', async () => {
    const session = await login(t.http, user);
    const first = await refresh(t, session.refreshToken).expect(201);
    const retry = await refresh(t, session.refreshToken).expect(201);
    expect(retry.body.token.refreshToken).toBe(first.body.token.refreshToken);
    // Still one live refresh token: the successor works, and only once.
    const next = await refresh(t, first.body.token.refreshToken).expect(201);
    await refresh(t, next.body.token.refreshToken).expect(201);
  });

  it('treats an older generation as reuse even within grace: the whole client ends', async () => {
    const session = await login(t.http, user);
    const other = await login(t.http, user);
    const r2 = (await refresh(t, session.refreshToken).expect(201)).body.token;
    const r3 = (await refresh(t, r2.refreshToken).expect(201)).body.token;
    const reused = await refresh(t, session.refreshToken).expect(401);
    expect(reused.body).toMatchObject({ reason: 'reused', action: 'reauthenticate' });
    // Every token of that client is dead: the live refresh token and the access tokens.
    await refresh(t, r3.refreshToken).expect(401);
    const access = await t.http
      .get('/me')
      .set(bearer({ ...session, accessToken: r3.accessToken }))
      .expect(401);
    expect(access.body).toMatchObject({ reason: 'reused' });
    // The user's other clients live on.
    await t.http.get('/me').set(bearer(other)).expect(200);
    await refresh(t, other.refreshToken).expect(201);
  });

  it('treats the previous token as reuse once the grace window has passed', async () => {
    const session = await login(t.http, user);
    const r2 = (await refresh(t, session.refreshToken).expect(201)).body.token;
    await rewindRotation(t, session.clientId, 2100);
    await refresh(t, session.refreshToken).expect(401);
    await refresh(t, r2.refreshToken).expect(401);
  });
});

describe('with the grace window off (AUTH_REFRESH_GRACE=0)', () => {
  it('treats the previous token as reuse at once', async () => {
    const t = await startApp({ AUTH_REFRESH_GRACE: '0' });
    try {
      const session = await login(t.http, await signUp(t.http));
      const r2 = (await refresh(t, session.refreshToken).expect(201)).body.token;
      const reused = await refresh(t, session.refreshToken).expect(401);
      expect(reused.body.reason).toBe('reused');
      await refresh(t, r2.refreshToken).expect(401);
    } finally {
      await t.close();
    }
  });
});

describe('lifetimes', () => {
  it('ends a permanent client after AUTH_REFRESH_IDLE_TTL without a refresh', async () => {
    const t = await startApp({ AUTH_REFRESH_IDLE_TTL: '2s', AUTH_ACCESS_TTL: '1s' });
    const clock = controlAppClock(t.app);
    try {
      const user = await signUp(t.http);
      const session = await login(t.http, user);
      clock.advance(1200);
      const r2 = (await refresh(t, session.refreshToken).expect(201)).body.token; // use moves the idle deadline
      clock.advance(1200);
      const r3 = (await refresh(t, r2.refreshToken).expect(201)).body.token;
      clock.advance(2200);
      const expired = await refresh(t, r3.refreshToken).expect(401);
      expect(expired.body).toMatchObject({ reason: 'idle_expired', action: 'reauthenticate' });
      const { body } = await t.http
        .get('/clients')
        .set(bearer(await login(t.http, user)))
        .expect(200);
      expect(body.map((c: { id: string }) => c.id)).not.toContain(session.clientId);
    } finally {
      await t.close();
    }
  });

  it('ends a permanent client AUTH_REFRESH_ABSOLUTE_TTL after login, however often it refreshes', async () => {
    const t = await startApp({ AUTH_REFRESH_IDLE_TTL: '1h', AUTH_REFRESH_ABSOLUTE_TTL: '3s' });
    const clock = controlAppClock(t.app);
    try {
      const session = await login(t.http, await signUp(t.http));
      let token = session.refreshToken;
      const deadlines = new Set<string>();
      for (let i = 0; i < 3; i += 1) {
        clock.advance(800);
        const { body } = await refresh(t, token).expect(201);
        token = body.token.refreshToken;
        deadlines.add(body.token.sessionExpiresAt);
        expect(body.token.refreshExpiresAt <= body.token.sessionExpiresAt).toBe(true);
        expect(body.token.expiresIn).toBeLessThanOrEqual(3);
      }
      expect(deadlines.size).toBe(1); // rotation never extends the absolute deadline
      clock.advance(800);
      const expired = await refresh(t, token).expect(401);
      expect(expired.body.reason).toBe('absolute_expired');
    } finally {
      await t.close();
    }
  });

  it('publishes the policy and server time at /.well-known/session-policy', async () => {
    const t = await startApp({ AUTH_REFRESH_GRACE: '7s', AUTH_ACCESS_TTL: '5m', AUTH_LOGIN_MAX_SUCCESSES_PER_ADDRESS: '300' });
    try {
      const { body } = await t.http.get('/.well-known/session-policy').expect(200);
      expect(body).toMatchObject({
        accessTokenTtl: 300,
        refreshIdleTtl: 30 * 86400,
        refreshAbsoluteTtl: 90 * 86400,
        refreshGrace: 7,
        revocationBound: 5,
        loginLimits: {
          window: 900,
          maxFailuresPerUsernameAndAddress: 10,
          maxFailuresPerUsername: 100,
          maxFailuresPerDevice: 10,
          maxFailuresPerAddress: 100,
          maxSuccessesPerAddress: 300,
        },
      });
      expect(Math.abs(new Date(body.serverTime).getTime() - Date.now())).toBeLessThan(5000);
    } finally {
      await t.close();
    }
  });
});

describe('ended clients the user can see: GET /clients?include=ended', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_REFRESH_GRACE: '0' });
  });
  afterAll(() => t.close());

  it('lists each ended client with when and why, and who presented a reused token', async () => {
    const user = await signUp(t.http);
    const loggedOut = await login(t.http, user, true, 'laptop');
    await t.http.post('/auth/logout').set(bearer(loggedOut)).expect(204);
    const rejected = await login(t.http, user, true, 'tablet');
    await t.http.post('/token/reject').send({ refreshToken: rejected.refreshToken }).expect(204);
    const stolen = await login(t.http, user, true, 'phone');
    await refresh(t, stolen.refreshToken).set('user-agent', 'phone').expect(201);
    await t.http.post('/token').set('user-agent', 'attacker').send({ refreshToken: stolen.refreshToken }).expect(401);
    const current = await login(t.http, user, true, 'desktop');

    const { body } = await t.http.get('/clients?include=ended').set(bearer(current)).expect(200);
    const byId = new Map(body.map((c: { id: string }) => [c.id, c]));
    expect(byId.get(current.clientId)).toMatchObject({ current: true, endedAt: null, endReason: null, endedBy: null });
    expect(byId.get(loggedOut.clientId)).toMatchObject({ endReason: 'logout', endedAt: expect.any(String) });
    expect(byId.get(rejected.clientId)).toMatchObject({ endReason: 'rejected' });
    expect(byId.get(stolen.clientId)).toMatchObject({
      endReason: 'reused',
      userAgent: 'phone',
      endedBy: { userAgent: 'attacker', ip: expect.any(String) },
    });

    const live = await t.http.get('/clients').set(bearer(current)).expect(200);
    expect(live.body.map((c: { id: string }) => c.id)).toEqual([current.clientId]);
    expect(live.body[0].endReason).toBeUndefined();
  });

  it('refuses other include values: 400', async () => {
    const session = await login(t.http, await signUp(t.http));
    await t.http.get('/clients?include=everything').set(bearer(session)).expect(400);
  });
});

describe('POST /me/password', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('changes the password, ends every other client and keeps the current one', async () => {
    const user = await signUp(t.http);
    const phone = await login(t.http, user);
    const laptop = await login(t.http, user, false);
    const current = await login(t.http, user);
    await t.http.post('/me/password').set(bearer(current)).send({ currentPassword: user.password, newPassword: 'a brand new password' }).expect(204);
    await t.http.get('/me').set(bearer(phone)).expect(401);
    await t.http.get('/me').set(bearer(laptop)).expect(401);
    await refresh(t, phone.refreshToken).expect(401);
    await t.http.get('/me').set(bearer(current)).expect(200);
    await refresh(t, current.refreshToken).expect(201);
    await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(401);
    await t.http.post('/auth').send({ username: user.username, password: 'a brand new password' }).expect(200);
    const { body } = await t.http.get('/clients?include=ended').set(bearer(current)).expect(200);
    expect(body.find((c: { id: string }) => c.id === phone.clientId).endReason).toBe('password_changed');
  });

  it('refuses a wrong current password: 403, and nothing changes', async () => {
    const user = await signUp(t.http);
    const other = await login(t.http, user);
    const current = await login(t.http, user);
    await t.http
      .post('/me/password')
      .set(bearer(current))
      .send({ currentPassword: 'not my password', newPassword: 'a brand new password' })
      .expect(403);
    await t.http.get('/me').set(bearer(other)).expect(200);
    await login(t.http, user);
  });

  it.each([
    ['a short new password', { currentPassword: 'whatever1', newPassword: 'short' }],
    ['a missing current password', { newPassword: 'a brand new password' }],
    ['an unknown field', { currentPassword: 'whatever1', newPassword: 'a brand new password', x: 1 }],
  ])('refuses %s: 400', async (_case, body) => {
    const current = await login(t.http, await signUp(t.http));
    await t.http.post('/me/password').set(bearer(current)).send(body).expect(400);
  });

  it('refuses a login that checked the old password while the change ran', async () => {
    const user = await signUp(t.http);
    const current = await login(t.http, user);
    // The user row as a login read it, before the change.
    const seenByLogin = await t.app.get(DataSource).getRepository(User).findOneByOrFail({ id: user.id });
    await t.http.post('/me/password').set(bearer(current)).send({ currentPassword: user.password, newPassword: 'a brand new password' }).expect(204);
    await expect(t.app.get(AuthService).login(seenByLogin, true, { ip: null, userAgent: null })).rejects.toThrow('Invalid username or password');
    const { body } = await t.http.get('/clients').set(bearer(current)).expect(200);
    expect(body).toHaveLength(1);
  });

  it('needs an access token: 401', async () => {
    await t.http.post('/me/password').send({ currentPassword: 'x', newPassword: 'a brand new password' }).expect(401);
  });
});

describe('the scheduled pruning of ended clients', () => {
  it('deletes clients that ended longer than AUTH_CLIENT_RETENTION ago, on a AUTH_PRUNE_INTERVAL schedule', async () => {
    const t = await startApp({ AUTH_PRUNE_INTERVAL: '1h', AUTH_CLIENT_RETENTION: '1s' });
    const clock = controlAppClock(t.app);
    try {
      expect(t.app.get(SchedulerRegistry).getIntervals()).toContain('prune-ended-clients');
      const user = await signUp(t.http);
      const ended = await login(t.http, user);
      const live = await login(t.http, user);
      await t.http.post('/auth/logout').set(bearer(ended)).expect(204);
      const clients = t.app.get(DataSource).getRepository(Client);
      await t.app.get(ClientsPrunerService).run();
      await expect(clients.existsBy({ id: ended.clientId })).resolves.toBe(true); // not yet a second ago
      clock.advance(1100);
      await t.app.get(ClientsPrunerService).run();
      await expect(clients.existsBy({ id: ended.clientId })).resolves.toBe(false);
      await expect(clients.existsBy({ id: live.clientId })).resolves.toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe('revocation across instances (this app and a server process on one database)', () => {
  let database: TestDatabase;
  const redis = createTestRedis();
  beforeAll(async () => {
    database = await createTestDatabase({ shared: true });
  });
  afterAll(async () => {
    await database.drop();
    await redis.clear();
  });

  it('refuses an ended client at once on the instance that ended it, and within AUTH_CLIENT_CACHE_TTL on the other', async () => {
    const env = { DATABASE_URL: database.url, AUTH_CLIENT_CACHE_TTL: '1s', AUTH_ISSUER: 'http://localhost:1337', ...redis.env };
    const a = await startApp(env);
    const b = await startServerProcess(env);
    const meOnB = (accessToken: string) => fetch(`${b.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    try {
      const session = await login(a.http, await signUp(a.http));
      expect((await meOnB(session.accessToken)).status).toBe(200); // b now holds the client in its cache
      await a.http.post('/auth/logout').set(bearer(session)).expect(204);
      const endedAt = Date.now();
      await a.http.get('/me').set(bearer(session)).expect(401);
      // Within the bound b may still accept the token; once the bound has passed, never. The one
      // real-clock test here: the other instance is a separate process with its own clock.
      await sleep(Math.max(0, endedAt + 1000 - Date.now()));
      expect((await meOnB(session.accessToken)).status).toBe(401);
    } finally {
      await a.close();
      await b.stop();
    }
  });
});
