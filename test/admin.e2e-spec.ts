import { EventEmitter2 } from '@nestjs/event-emitter';
import { AdminUsersService } from '../src/admin/admin-users.service';
import { startApp, TestApp } from './support/app';
import { userWithRoles } from './support/admin-helpers';
import { bearer, login, Session, signUp } from './support/factories';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('the admin API (API.md §8)', () => {
  let t: TestApp;
  let root: Session;
  let rootId: string;
  beforeAll(async () => {
    t = await startApp();
    const admin = await userWithRoles(t, ['admin']);
    root = admin.session;
    rootId = admin.user.id;
  });
  afterAll(() => t.close());

  const ROUTES: { method: 'get' | 'patch' | 'post' | 'delete'; path: string; body?: object }[] = [
    { method: 'get', path: '/admin/users' },
    { method: 'get', path: `/admin/users/${UNKNOWN}` },
    { method: 'patch', path: `/admin/users/${UNKNOWN}`, body: { roles: ['admin'] } },
    { method: 'post', path: `/admin/users/${UNKNOWN}/password`, body: { newPassword: 'a brand new password' } },
    { method: 'delete', path: `/admin/users/${UNKNOWN}` },
    { method: 'get', path: `/admin/users/${UNKNOWN}/clients` },
    { method: 'delete', path: `/admin/users/${UNKNOWN}/clients/${UNKNOWN}` },
    { method: 'delete', path: `/admin/users/${UNKNOWN}/clients` },
    { method: 'get', path: '/admin/audit' },
  ];

  it.each(ROUTES)('$method $path: 403 insufficient_role for a non-admin, 401 without a token', async ({ method, path, body }) => {
    const { session } = await userWithRoles(t, ['editor']);
    const call = () => (body ? t.http[method](path).send(body) : t.http[method](path));
    const refused = await call().set(bearer(session)).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403, error: 'Forbidden', reason: 'insufficient_role' });
    await call().expect(401);
  });

  it('lists users a page at a time with an opaque cursor, filters by name, and validates the query', async () => {
    const tag = `pg${Date.now().toString(36)}`;
    for (let i = 0; i < 3; i += 1) await signUp(t.http, { username: `${tag}_${i}` });
    const first = await t.http.get(`/admin/users?query=${tag.toUpperCase()}&limit=2`).set(bearer(root)).expect(200);
    expect(first.body.map((u: { username: string }) => u.username)).toEqual([`${tag}_2`, `${tag}_1`]);
    expect(first.body[0]).toEqual({
      id: expect.any(String),
      username: `${tag}_2`,
      roles: [],
      disabled: false,
      createdAt: expect.any(String),
      liveClients: 0,
    });
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.link)![1];
    const second = await t.http.get(next).set(bearer(root)).expect(200);
    expect(second.body.map((u: { username: string }) => u.username)).toEqual([`${tag}_0`]);
    expect(second.headers.link).toBeUndefined();
    for (const bad of ['limit=0', 'limit=abc', 'cursor=bm9wZQ', 'query=a%20b', 'extra=1']) {
      const answer = await t.http.get(`/admin/users?${bad}`).set(bearer(root)).expect(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
  });

  it('shows one user with their live client count; 404 for unknown or malformed ids', async () => {
    const user = await signUp(t.http);
    await login(t.http, user);
    const shown = await t.http.get(`/admin/users/${user.id}`).set(bearer(root)).expect(200);
    expect(shown.body).toMatchObject({ id: user.id, username: user.username, liveClients: 1, disabled: false });
    expect(JSON.stringify(shown.body)).not.toMatch(/hash|password/i);
    for (const id of [UNKNOWN, 'not-a-uuid', "1' OR '1'='1"]) {
      await t.http
        .get(`/admin/users/${encodeURIComponent(id)}`)
        .set(bearer(root))
        .expect(404);
      await t.http
        .patch(`/admin/users/${encodeURIComponent(id)}`)
        .set(bearer(root))
        .send({ disabled: true })
        .expect(404);
      await t.http
        .delete(`/admin/users/${encodeURIComponent(id)}`)
        .set(bearer(root))
        .expect(404);
    }
    await t.http.delete(`/admin/users/${user.id}/clients/${UNKNOWN}`).set(bearer(root)).expect(404);
  });

  it('validates PATCH bodies', async () => {
    const user = await signUp(t.http);
    for (const body of [
      {},
      { roles: 'admin' },
      { roles: ['Admin'] },
      { roles: ['a b'] },
      { roles: Array.from({ length: 33 }, (_, i) => `r${i}`) },
      { disabled: 'yes' },
      { roles: [], extra: 1 },
    ]) {
      const answer = await t.http.patch(`/admin/users/${user.id}`).set(bearer(root)).send(body).expect(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    await t.http.post(`/admin/users/${user.id}/password`).set(bearer(root)).send({ newPassword: 'short' }).expect(400);
  });

  it('sets a password: every client ends, the new password logs in, an event and an audit row', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const events: { type: string; userId: string }[] = [];
    const listener = (event: { type: string; userId: string }) => events.push(event);
    t.app.get(EventEmitter2).on('user.password_changed', listener);
    await t.http.post(`/admin/users/${user.id}/password`).set(bearer(root)).send({ newPassword: 'a brand new password' }).expect(204);
    t.app.get(EventEmitter2).off('user.password_changed', listener);
    await t.http.get('/me').set(bearer(session)).expect(401);
    await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(401);
    await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(401);
    await login(t.http, { ...user, password: 'a brand new password' });
    expect(events).toEqual([
      expect.objectContaining({ userId: user.id, data: { reason: 'admin', by: { kind: 'admin', userId: rootId, clientId: root.clientId } } }),
    ]);
    const audit = await t.http.get('/admin/audit?limit=1').set(bearer(root)).expect(200);
    expect(audit.body).toEqual([
      expect.objectContaining({
        action: 'user.password_set',
        targetUserId: user.id,
        actor: { kind: 'admin', userId: rootId, clientId: root.clientId },
      }),
    ]);
    expect(JSON.stringify(audit.body)).not.toContain('a brand new password');
  });

  it('lists and ends a user’s clients, one or all', async () => {
    const user = await signUp(t.http);
    const phone = await login(t.http, user, true, 'phone');
    const laptop = await login(t.http, user, true, 'laptop');
    const tablet = await login(t.http, user, true, 'tablet');
    const listed = await t.http.get(`/admin/users/${user.id}/clients?limit=2`).set(bearer(root)).expect(200);
    expect(listed.body.map((c: { id: string }) => c.id)).toEqual([tablet.clientId, laptop.clientId]);
    expect(listed.headers.link).toContain(`/admin/users/${user.id}/clients?`);
    await t.http.delete(`/admin/users/${user.id}/clients/${phone.clientId}`).set(bearer(root)).expect(204);
    await t.http.get('/me').set(bearer(phone)).expect(401);
    await t.http.get('/me').set(bearer(laptop)).expect(200);
    await t.http.delete(`/admin/users/${user.id}/clients`).set(bearer(root)).expect(204);
    await t.http.get('/me').set(bearer(laptop)).expect(401);
    await t.http.post('/token').send({ refreshToken: tablet.refreshToken }).expect(401);
    const ended = await t.http.get(`/admin/users/${user.id}/clients?include=ended`).set(bearer(root)).expect(200);
    expect(ended.body.map((c: { endReason: string }) => c.endReason)).toEqual(['revoked', 'revoked', 'revoked']);
  });

  it('deletes a user: tokens refused, login refused, an event', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const events: unknown[] = [];
    const listener = (event: unknown) => events.push(event);
    t.app.get(EventEmitter2).on('user.deleted', listener);
    await t.http.delete(`/admin/users/${user.id}`).set(bearer(root)).expect(204);
    t.app.get(EventEmitter2).off('user.deleted', listener);
    await t.http.get('/me').set(bearer(session)).expect(401);
    await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(401);
    await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(401);
    await t.http.get(`/admin/users/${user.id}`).set(bearer(root)).expect(404);
    expect(events).toEqual([expect.objectContaining({ type: 'user.deleted', userId: user.id })]);
  });

  it('writes an audit row for every action, newest first, paginated', async () => {
    const user = await signUp(t.http);
    await login(t.http, user);
    const events: string[] = [];
    const listener = (event: { type: string }) => events.push(event.type);
    t.app.get(EventEmitter2).on('user.roles_changed', listener);
    await t.http
      .patch(`/admin/users/${user.id}`)
      .set(bearer(root))
      .send({ roles: ['editor'] })
      .expect(200);
    t.app.get(EventEmitter2).off('user.roles_changed', listener);
    await t.http.patch(`/admin/users/${user.id}`).set(bearer(root)).send({ disabled: true }).expect(200);
    await t.http.patch(`/admin/users/${user.id}`).set(bearer(root)).send({ disabled: false }).expect(200);
    await t.http.delete(`/admin/users/${user.id}/clients`).set(bearer(root)).expect(204);
    const session = await login(t.http, user);
    await t.http.delete(`/admin/users/${user.id}/clients/${session.clientId}`).set(bearer(root)).expect(204);
    await t.http.delete(`/admin/users/${user.id}`).set(bearer(root)).expect(204);
    expect(events).toEqual(['user.roles_changed']);

    const page = await t.http.get('/admin/audit?limit=4').set(bearer(root)).expect(200);
    const next = await t.http
      .get(/<([^>]+)>; rel="next"/.exec(page.headers.link)![1])
      .set(bearer(root))
      .expect(200);
    const rows = [...page.body, ...next.body].slice(0, 6);
    expect(rows.map((r: { action: string }) => r.action)).toEqual([
      'user.deleted',
      'client.ended',
      'clients.ended',
      'user.enabled',
      'user.disabled',
      'user.roles_changed',
    ]);
    for (const row of rows) expect(row).toMatchObject({ targetUserId: user.id, actor: { kind: 'admin', userId: rootId }, at: expect.any(String) });
    expect(rows[5].details).toEqual({ previous: [], roles: ['editor'] });
    expect(rows[1].details).toEqual({ clientId: session.clientId });
  });

  it('refuses to demote, disable or delete the last enabled admin (409 last_admin)', async () => {
    const t2 = await startApp();
    try {
      const { user, session } = await userWithRoles(t2, ['admin']);
      for (const [method, body] of [
        ['patch', { roles: ['editor'] }],
        ['patch', { disabled: true }],
        ['delete', undefined],
      ] as const) {
        const answer = await t2.http[method](`/admin/users/${user.id}`).set(bearer(session)).send(body).expect(409);
        expect(answer.body).toMatchObject({ statusCode: 409, error: 'Conflict', reason: 'last_admin' });
      }
      await t2.http.get('/admin/users').set(bearer(session)).expect(200);
      // With a second admin, either may step down, but of two concurrent demotions at most one wins.
      const other = await userWithRoles(t2, ['admin']);
      const results = await Promise.allSettled([
        t2.app.get(AdminUsersService).change({ kind: 'cli' }, user.id, { roles: [] }),
        t2.app.get(AdminUsersService).change({ kind: 'cli' }, other.user.id, { roles: [] }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { status: 409 } });
    } finally {
      await t2.close();
    }
  });
});
