import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { AccessTokenClaimsRegistry, AuthService } from '../src/auth';
import { UsersService } from '../src/users/users.service';
import { ClientsService } from '../src/clients/clients.service';
import { User } from '../src/users/user.entity';
import { startApp, TestApp } from './support/app';
import { claimsOf, userWithRoles } from './support/admin-helpers';
import { bearer, login, signUp } from './support/factories';

describe('roles, disabled users and access-token claims (API.md §8)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_OAUTH_PASSWORD_GRANT: 'true' });
  });
  afterAll(() => t.close());

  it('carries the roles claim on every access token, from login and from refresh', async () => {
    const { session } = await userWithRoles(t, ['editor', 'admin']);
    expect(claimsOf(session.accessToken).roles).toEqual(['admin', 'editor']);
    const refreshed = await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
    expect(claimsOf(refreshed.body.token.accessToken).roles).toEqual(['admin', 'editor']);
    const plain = await login(t.http, await signUp(t.http));
    expect(claimsOf(plain.accessToken).roles).toEqual([]);
  });

  it('refuses a removed role on the very next request, although the token still claims it', async () => {
    const { session: root } = await userWithRoles(t, ['admin']);
    const { user, session } = await userWithRoles(t, ['admin']);
    await t.http.get('/admin/users').set(bearer(session)).expect(200);
    await t.http.patch(`/admin/users/${user.id}`).set(bearer(root)).send({ roles: [] }).expect(200);
    expect(claimsOf(session.accessToken).roles).toEqual(['admin']);
    const refused = await t.http.get('/admin/users').set(bearer(session)).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403, error: 'Forbidden', reason: 'insufficient_role' });
    await t.http.get('/me').set(bearer(session)).expect(200); // still logged in, only not an admin
  });

  it('a disabled user: live access and refresh tokens refused, login refused only after the right password', async () => {
    const { session: root } = await userWithRoles(t, ['admin']);
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const events: unknown[] = [];
    const listener = (event: unknown) => events.push(event);
    t.app.get(EventEmitter2).on('user.disabled', listener);
    await t.http.get('/me').set(bearer(session)).expect(200);

    await t.http.patch(`/admin/users/${user.id}`).set(bearer(root)).send({ disabled: true }).expect(200);
    await t.http.get('/me').set(bearer(session)).expect(401);
    const refresh = await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(401);
    expect(refresh.body.reason).toBe('revoked');
    const wrong = await t.http.post('/auth').send({ username: user.username, password: 'wrong password!' }).expect(401);
    expect(wrong.body.message).toBe('Invalid username or password');
    const right = await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(403);
    expect(right.body).toMatchObject({ statusCode: 403, reason: 'disabled' });
    const grant = await t.http
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'password', username: user.username, password: user.password })
      .expect(400);
    expect(grant.body.error).toBe('invalid_grant');
    const clients = await t.http.get(`/admin/users/${user.id}/clients?include=ended`).set(bearer(root)).expect(200);
    expect(clients.body).toEqual([expect.objectContaining({ id: session.clientId, endReason: 'disabled' })]);

    await t.http.patch(`/admin/users/${user.id}`).set(bearer(root)).send({ disabled: false }).expect(200);
    await login(t.http, user);
    t.app.get(EventEmitter2).off('user.disabled', listener);
    expect(events).toEqual([
      expect.objectContaining({ type: 'user.disabled', userId: user.id, data: { disabled: true, by: expect.objectContaining({ kind: 'admin' }) } }),
      expect.objectContaining({ type: 'user.disabled', userId: user.id, data: { disabled: false, by: expect.objectContaining({ kind: 'admin' }) } }),
    ]);
  });

  it('refuses the access token of a disabled user even while its client is still live', async () => {
    // The window between setting disabled_at and ending the clients, held open by hand.
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    await t.http.get('/me').set(bearer(session)).expect(200);
    await t.app.get(DataSource).getRepository(User).update({ id: user.id }, { disabledAt: new Date() });
    await t.app.get(ClientsService).userChanged(user.id);
    const refused = await t.http.get('/me').set(bearer(session)).expect(401);
    expect(refused.body.reason).toBe('revoked');
  });

  it('a login that checked the password before a disable opens no client (the database decides)', async () => {
    const user = await signUp(t.http);
    const checked = await t.app.get(UsersService).verifyCredentials(user.username, user.password);
    await t.app.get(DataSource).getRepository(User).update({ id: user.id }, { disabledAt: new Date() });
    await expect(t.app.get(AuthService).login(checked!, true, { ip: null, userAgent: null })).rejects.toMatchObject({ status: 401 });
    const clients = await t.app.get(ClientsService).list(user.id, true);
    expect(clients).toEqual([]);
  });

  it('OAuth scope: granted at login, carried in the token, narrowed but never widened by a refresh', async () => {
    const { user } = await userWithRoles(t, ['read', 'write']); // a scope is earned by a role of its name
    const form = (body: Record<string, string>) => t.http.post('/oauth/token').type('form').send(body);
    const granted = await form({ grant_type: 'password', username: user.username, password: user.password, scope: 'read write read' }).expect(200);
    expect(claimsOf(granted.body.access_token).scope).toBe('read write');
    const widened = await form({ grant_type: 'refresh_token', refresh_token: granted.body.refresh_token, scope: 'read admin' }).expect(400);
    expect(widened.body.error).toBe('invalid_scope');
    // The refused request spent nothing: the same refresh token still works.
    const narrowed = await form({ grant_type: 'refresh_token', refresh_token: granted.body.refresh_token, scope: 'read' }).expect(200);
    expect(claimsOf(narrowed.body.access_token).scope).toBe('read');
    const again = await form({ grant_type: 'refresh_token', refresh_token: narrowed.body.refresh_token }).expect(200);
    expect(claimsOf(again.body.access_token).scope).toBe('read write');
    await form({ grant_type: 'refresh_token', refresh_token: again.body.refresh_token, scope: 'bad"scope' }).expect(400);
    const plain = await login(t.http, user);
    expect(claimsOf(plain.accessToken).scope).toBeUndefined();
  });
});

/** A claims provider stays registered for the app's life: this test has an app of its own. */
describe('access-token claims providers', () => {
  let own: TestApp;
  beforeAll(async () => {
    own = await startApp();
  });
  afterAll(() => own.close());

  it('claims providers add claims, never over a reserved one, and an oversized token is refused at issue', async () => {
    const registry = own.app.get(AccessTokenClaimsRegistry);
    let size = 10;
    registry.register((subject) => ({
      tenant: `t-${subject.userId.slice(0, 4)}`,
      sub: 'someone else',
      roles: ['admin'],
      scope: 'everything',
      pad: 'x'.repeat(size),
    }));
    const user = await signUp(own.http);
    const session = await login(own.http, user);
    const claims = claimsOf(session.accessToken);
    expect(claims).toMatchObject({ tenant: `t-${user.id.slice(0, 4)}`, sub: user.id, roles: [] });
    expect(claims.scope).toBeUndefined();
    size = 5000;
    const refused = await own.http.post('/auth').send({ username: user.username, password: user.password }).expect(500);
    expect(refused.body).toMatchObject({ statusCode: 500, reason: 'token_too_large', message: expect.stringContaining('size budget') });
  });
});
