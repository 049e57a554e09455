import { EventEmitter2 } from '@nestjs/event-emitter';
import { ClientsPrunerService } from '../src/clients/clients-pruner.service';
import { hashSecret, parseRefreshToken } from '../src/clients/refresh-token';
import { SESSION_EVENT_TYPES, SessionEvent, SessionEventsService } from '../src/events';
import { startApp, TestApp } from './support/app';
import { runCliInProcess } from './support/cli';
import { controlAppClock, ManualClock } from './support/clock';
import { createTestDatabase, TestDatabase } from './support/engines';
import { bearer, login, Session, signUp, TestUser } from './support/factories';

const DAY = 24 * 3600 * 1000;

/** One test per cause of each event of API.md section 9 (the admin-caused ones are the admin module's). */
describe('session events (API.md section 9)', () => {
  let database: TestDatabase;
  let t: TestApp;
  let clock: ManualClock;
  const seen: SessionEvent[] = [];
  /** Every secret the tests handle: none may appear in any payload. */
  const secrets = new Set<string>();
  const record = (event: SessionEvent) => void seen.push(event);

  beforeAll(async () => {
    database = await createTestDatabase({ shared: true });
    t = await startApp({
      DATABASE_URL: database.url,
      AUTH_OAUTH_PASSWORD_GRANT: 'true',
      AUTH_MAX_CLIENTS_PER_USER: '3',
      AUTH_REFRESH_IDLE_TTL: '1d',
      AUTH_REFRESH_ABSOLUTE_TTL: '3d',
      AUTH_REFRESH_GRACE: '0',
    });
    for (const type of SESSION_EVENT_TYPES) t.app.get(EventEmitter2).on(type, record);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });
  // Each test starts at the real time: no test inherits another's travels.
  beforeEach(() => {
    clock = controlAppClock(t.app);
  });

  const of = (userId: string, type?: string) => seen.filter((e) => e.userId === userId && (!type || e.type === type));
  const ended = (userId: string) => of(userId, 'session.ended') as SessionEvent<'session.ended'>[];

  async function user(): Promise<TestUser> {
    const created = await signUp(t.http);
    secrets.add(created.password);
    return created;
  }
  async function session(u: TestUser, userAgent = 'jest', permanent = true): Promise<Session> {
    const s = await login(t.http, u, permanent, userAgent);
    for (const secret of [s.accessToken, s.refreshToken]) if (secret) remember(secret);
    return s;
  }
  function remember(token: string): void {
    secrets.add(token);
    const parsed = parseRefreshToken(token);
    if (parsed) secrets.add(parsed.secret).add(hashSecret(parsed.secret));
  }
  async function refresh(token: string, userAgent = 'jest'): Promise<string> {
    const { body } = await t.http.post('/token').set('user-agent', userAgent).send({ refreshToken: token }).expect(201);
    remember(body.token.refreshToken);
    remember(body.token.accessToken);
    return body.token.refreshToken;
  }
  const form = (path: string, fields: Record<string, string>) => t.http.post(path).type('form').send(fields);

  /**
   * Runs a CLI command (in-process: the CLI's runner with an app context of its own, test/support/cli.ts)
   * and answers the events the CLI emitted, not the app's.
   */
  async function cli(args: string[], input?: string): Promise<SessionEvent[]> {
    const events: SessionEvent[] = [];
    const apps = t.app.get(SessionEventsService);
    const emit = SessionEventsService.prototype.emit;
    const probe = jest.spyOn(SessionEventsService.prototype, 'emit').mockImplementation(async function (this: SessionEventsService, ...args) {
      const event = await emit.apply(this, args);
      if (event && this !== apps) events.push(event);
      return event;
    });
    try {
      expect(await runCliInProcess(database.url, args, input)).toMatchObject({ code: 0 });
    } finally {
      probe.mockRestore();
    }
    seen.push(...events);
    return events;
  }

  describe('user.created', () => {
    it('on POST /users, by the new user', async () => {
      const u = await user();
      expect(of(u.id, 'user.created')).toEqual([
        expect.objectContaining({ type: 'user.created', userId: u.id, data: { username: u.username, by: { kind: 'user', userId: u.id } } }),
      ]);
      expect(of(u.id, 'user.created')[0]).toEqual({
        id: expect.any(String),
        type: 'user.created',
        occurredAt: expect.any(String),
        userId: u.id,
        data: expect.anything(),
      });
    });

    it('on the CLI create-user, by the CLI', async () => {
      secrets.add('cli events password');
      const events = await cli(['create-user', 'events_cli_carol'], 'cli events password\n');
      expect(events).toEqual([expect.objectContaining({ type: 'user.created', data: { username: 'events_cli_carol', by: { kind: 'cli' } } })]);
    });
  });

  describe('session.created', () => {
    it('on POST /auth, with the origin', async () => {
      const u = await user();
      const s = await session(u, 'phone', false);
      expect(of(u.id, 'session.created')).toEqual([
        expect.objectContaining({ clientId: s.clientId, data: { permanent: false, origin: { ip: expect.any(String), userAgent: 'phone' } } }),
      ]);
    });

    it('on the OAuth password grant', async () => {
      const u = await user();
      const { body } = await form('/oauth/token', { grant_type: 'password', username: u.username, password: u.password }).expect(200);
      remember(body.refresh_token);
      expect(of(u.id, 'session.created')).toEqual([
        expect.objectContaining({ clientId: parseRefreshToken(body.refresh_token)!.clientId, data: expect.objectContaining({ permanent: true }) }),
      ]);
    });
  });

  describe('session.refreshed', () => {
    it('on every rotation, /token and /oauth/token', async () => {
      const u = await user();
      const s = await session(u);
      const next = await refresh(s.refreshToken!, 'laptop');
      const { body } = await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: next }).expect(200);
      remember(body.refresh_token);
      expect(of(u.id, 'session.refreshed')).toEqual([
        expect.objectContaining({ clientId: s.clientId, data: { origin: expect.objectContaining({ userAgent: 'laptop' }) } }),
        expect.objectContaining({ clientId: s.clientId }),
      ]);
    });

    it('is not even built when nobody listens', async () => {
      const u = await user();
      const s = await session(u);
      const emitter = t.app.get(EventEmitter2);
      const emit = jest.spyOn(emitter, 'emit');
      const built = jest.spyOn(t.app.get(SessionEventsService), 'emit');
      emitter.off('session.refreshed', record);
      let emitted: unknown[][];
      let results: unknown[];
      try {
        await refresh(s.refreshToken!);
        emitted = emit.mock.calls.filter(([type]) => type === 'session.refreshed');
        results = built.mock.results.filter((_, i) => built.mock.calls[i][0] === 'session.refreshed').map((r) => r.value);
        results = await Promise.all(results); // emit is async: it awaits the durable sinks
      } finally {
        emitter.on('session.refreshed', record);
        emit.mockRestore();
        built.mockRestore();
      }
      expect(emitted).toEqual([]);
      expect(results).toEqual([null]);
    });
  });

  describe('session.ended, one per way a client ends', () => {
    it('POST /auth/logout: reason logout, by the user on that client, with the origin', async () => {
      const u = await user();
      const s = await session(u);
      await t.http.post('/auth/logout').set(bearer(s)).set('user-agent', 'phone').expect(204);
      expect(ended(u.id)).toEqual([
        expect.objectContaining({
          clientId: s.clientId,
          data: {
            reason: 'logout',
            by: { kind: 'user', userId: u.id, clientId: s.clientId },
            origin: expect.objectContaining({ userAgent: 'phone' }),
          },
        }),
      ]);
    });

    it('POST /token/reject: reason rejected, once', async () => {
      const u = await user();
      const s = await session(u);
      await t.http.post('/token/reject').send({ refreshToken: s.refreshToken }).expect(204);
      await t.http.post('/token/reject').send({ refreshToken: s.refreshToken }).expect(204);
      expect(ended(u.id)).toEqual([expect.objectContaining({ clientId: s.clientId, data: expect.objectContaining({ reason: 'rejected' }) })]);
    });

    it('POST /oauth/revoke of a refresh token and of an access token', async () => {
      const u = await user();
      const [a, b] = [await session(u), await session(u)];
      await form('/oauth/revoke', { token: a.refreshToken! }).expect(200);
      await form('/oauth/revoke', { token: b.accessToken }).expect(200);
      expect(ended(u.id).map((e) => [e.clientId, e.data.reason])).toEqual([
        [a.clientId, 'rejected'],
        [b.clientId, 'rejected'],
      ]);
    });

    it('DELETE /clients/:id: reason revoked, by the user on the calling client', async () => {
      const u = await user();
      const [phone, laptop] = [await session(u), await session(u)];
      await t.http.delete(`/clients/${phone.clientId}`).set(bearer(laptop)).expect(204);
      expect(ended(u.id)).toEqual([
        expect.objectContaining({
          clientId: phone.clientId,
          data: { reason: 'revoked', by: { kind: 'user', userId: u.id, clientId: laptop.clientId } },
        }),
      ]);
    });

    it('DELETE /clients: one event per ended client', async () => {
      const u = await user();
      const [a, b, keep] = [await session(u), await session(u), await session(u)];
      await t.http.delete('/clients').set(bearer(keep)).expect(204);
      expect(
        ended(u.id)
          .map((e) => e.clientId)
          .sort(),
      ).toEqual([a.clientId, b.clientId].sort());
      expect(ended(u.id).every((e) => e.data.reason === 'revoked')).toBe(true);
    });

    it('POST /me/password: user.password_changed, then the other clients end', async () => {
      const u = await user();
      const [other, current] = [await session(u), await session(u)];
      secrets.add('a brand new password');
      await t.http.post('/me/password').set(bearer(current)).send({ currentPassword: u.password, newPassword: 'a brand new password' }).expect(204);
      const by = { kind: 'user', userId: u.id, clientId: current.clientId };
      expect(of(u.id).filter((e) => e.type !== 'session.created' && e.type !== 'user.created')).toEqual([
        expect.objectContaining({ type: 'user.password_changed', data: { by, reason: 'change' } }),
        expect.objectContaining({ type: 'session.ended', clientId: other.clientId, data: { reason: 'password_changed', by } }),
      ]);
    });

    it('reuse detection: reason reused, by the system, with the presenter’s origin', async () => {
      const u = await user();
      const s = await session(u);
      await refresh(s.refreshToken!);
      await t.http.post('/token').set('user-agent', 'thief').send({ refreshToken: s.refreshToken }).expect(401);
      expect(ended(u.id)).toEqual([
        expect.objectContaining({
          clientId: s.clientId,
          data: { reason: 'reused', by: { kind: 'system' }, origin: expect.objectContaining({ userAgent: 'thief' }) },
        }),
      ]);
    });

    it('concurrent endings of the same clients: exactly one event per client (the database decides)', async () => {
      const u = await user();
      const [a, b, keep] = [await session(u), await session(u), await session(u)];
      await Promise.all([
        t.http.delete('/clients').set(bearer(keep)),
        t.http.post('/auth/logout').set(bearer(a)),
        t.http.delete(`/clients/${b.clientId}`).set(bearer(keep)),
        t.http.post('/token/reject').send({ refreshToken: a.refreshToken }),
        form('/oauth/revoke', { token: b.refreshToken! }),
      ]);
      expect(
        ended(u.id)
          .map((e) => e.clientId)
          .sort(),
      ).toEqual([a.clientId, b.clientId].sort());
    });

    it('the per-user cap: reason limit, by the login that pushed it out', async () => {
      const u = await user();
      const first = await session(u);
      for (let i = 0; i < 2; i++) await session(u);
      const fourth = await session(u);
      expect(ended(u.id)).toEqual([
        expect.objectContaining({
          clientId: first.clientId,
          data: { reason: 'limit', by: { kind: 'user', userId: u.id, clientId: fourth.clientId } },
        }),
      ]);
    });

    it('idle expiry: when a refresh first finds it expired, exactly once (pruning later adds none)', async () => {
      const u = await user();
      const s = await session(u);
      clock.advance(DAY + 1000);
      await t.http.post('/token').send({ refreshToken: s.refreshToken }).expect(401);
      const announced = [expect.objectContaining({ clientId: s.clientId, data: { reason: 'idle', by: { kind: 'system' } } })];
      expect(ended(u.id)).toEqual(announced);
      await t.http.post('/token').send({ refreshToken: s.refreshToken }).expect(401);
      await t.app.get(ClientsPrunerService).run();
      expect(ended(u.id)).toEqual(announced);
    });

    it('absolute and access-token expiry: by the pruning job, exactly once', async () => {
      const u = await user();
      const permanent = await session(u);
      const temporary = await session(u, 'jest', false);
      for (let day = 0; day < 3; day++) {
        clock.advance(DAY - 60_000);
        permanent.refreshToken = await refresh(permanent.refreshToken!);
      }
      clock.advance(60_000 * 4);
      await t.app.get(ClientsPrunerService).run();
      await t.app.get(ClientsPrunerService).run();
      expect(ended(u.id).map((e) => [e.clientId, e.data.reason, e.data.by])).toEqual(
        expect.arrayContaining([
          [temporary.clientId, 'expired', { kind: 'system' }],
          [permanent.clientId, 'absolute', { kind: 'system' }],
        ]),
      );
      expect(ended(u.id)).toHaveLength(2);
    });

    it('the CLI: end-client, end-clients and prune, by the CLI or the system', async () => {
      const u = await user();
      const [a, b, c] = [await session(u), await session(u), await session(u, 'jest', false)];
      expect(await cli(['end-client', u.username, a.clientId])).toEqual([
        expect.objectContaining({ type: 'session.ended', clientId: a.clientId, data: { reason: 'revoked', by: { kind: 'cli' } } }),
      ]);
      expect(await cli(['end-clients', u.username])).toEqual(
        expect.arrayContaining([expect.objectContaining({ clientId: b.clientId, data: { reason: 'revoked', by: { kind: 'cli' } } })]),
      );
      // The CLI reads the real time: this client, opened 20 minutes ago by the app's clock, expired by it.
      clock.advance(-20 * 60_000);
      const expired = await session(await user(), 'jest', false);
      expect(await cli(['prune'])).toEqual(
        expect.arrayContaining([expect.objectContaining({ clientId: expired.clientId, data: { reason: 'expired', by: { kind: 'system' } } })]),
      );
      expect(ended(u.id).find((e) => e.clientId === c.clientId)).toBeDefined();
    });
  });

  it('a listener that throws or rejects fails no request, and the other listeners still hear the event', async () => {
    const emitter = t.app.get(EventEmitter2);
    const boom = () => {
      throw new Error('listener failed');
    };
    const rejects = () => Promise.reject(new Error('async listener failed'));
    for (const type of SESSION_EVENT_TYPES) {
      emitter.prependListener(type, boom);
      // A rejecting listener on purpose: the emitter must not let it fail the request.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      emitter.prependListener(type, rejects);
    }
    try {
      const u = await user();
      const s = await session(u);
      await refresh(s.refreshToken!);
      await t.http.post('/auth/logout').set(bearer(s)).expect(204);
      expect(of(u.id).map((e) => e.type)).toEqual(['user.created', 'session.created', 'session.refreshed', 'session.ended']);
    } finally {
      for (const type of SESSION_EVENT_TYPES) {
        emitter.off(type, boom);
        // eslint-disable-next-line @typescript-eslint/no-misused-promises
        emitter.off(type, rejects);
      }
    }
  });

  const FACTOR_EVENTS: string[] = ['user.factor_added', 'user.factor_removed', 'user.recovery_codes_used'];

  it('no payload carries a password, token or hash used above', () => {
    expect(seen.length).toBeGreaterThan(30);
    expect(new Set(seen.map((e) => e.type))).toEqual(
      // The factor and identity events have their own payload checks (test/factors-*, test/identities*).
      new Set(
        SESSION_EVENT_TYPES.filter(
          (type) =>
            !['user.roles_changed', 'user.disabled', 'user.deleted', 'user.identity_linked', 'user.identity_unlinked'].includes(type) &&
            !FACTOR_EVENTS.includes(type),
        ),
      ),
    );
    const text = JSON.stringify(seen);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/argon2|refreshToken|accessToken|hash/i);
  });
});
