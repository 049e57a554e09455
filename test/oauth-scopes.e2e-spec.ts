import { Controller, Get, Module } from '@nestjs/common';
import { Scopes } from '../src/auth';
import { startApp, TestApp } from './support/app';
import { claimsOf, userWithRoles } from './support/admin-helpers';
import { signUp } from './support/factories';

/** A resource guarded by a scope alone, as a feature module would guard it. */
@Controller('scoped')
class ScopedController {
  @Get()
  @Scopes('admin')
  read() {
    return { ok: true };
  }
}

@Module({ controllers: [ScopedController] })
class ScopedModule {}

/** Issue 24 #10: a scope is earned (a role of that name, or AUTH_OPEN_SCOPES), never just asked for. */
describe('OAuth scopes are earned', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_OAUTH_PASSWORD_GRANT: 'true', AUTH_OPEN_SCOPES: 'read,profile' }, [ScopedModule]);
  });
  afterAll(() => t.close());

  const token = (body: Record<string, string>) => t.http.post('/oauth/token').type('form').send(body);
  const password = (user: { username: string; password: string }, scope: string) =>
    token({ grant_type: 'password', username: user.username, password: user.password, scope });

  it('refuses scope=admin to a user without the admin role (invalid_scope), and the @Scopes route stays shut', async () => {
    const user = await signUp(t.http);
    const refused = await password(user, 'admin').expect(400);
    expect(refused.body).toEqual({ error: 'invalid_scope', error_description: expect.stringContaining('admin') });
    const plain = await password(user, 'read').expect(200);
    expect(claimsOf(plain.body.access_token).scope).toBe('read');
    await t.http.get('/scoped').set('authorization', `Bearer ${plain.body.access_token}`).expect(403);
  });

  it('grants scope=admin to a user with the admin role, with an open scope beside it', async () => {
    const { user } = await userWithRoles(t, ['admin']);
    const granted = await password(user, 'admin read').expect(200);
    expect(claimsOf(granted.body.access_token).scope).toBe('admin read');
    await t.http.get('/scoped').set('authorization', `Bearer ${granted.body.access_token}`).expect(200);
  });

  it('a role taken away takes its scope with it on the very next request, as the role itself', async () => {
    const { user } = await userWithRoles(t, ['admin']);
    const granted = await password(user, 'admin').expect(200);
    await t.http.get('/scoped').set('authorization', `Bearer ${granted.body.access_token}`).expect(200);
    const { session: root } = await userWithRoles(t, ['admin']);
    await t.http.patch(`/admin/users/${user.id}`).set('authorization', `Bearer ${root.accessToken}`).send({ roles: [] }).expect(200);
    const refused = await t.http.get('/scoped').set('authorization', `Bearer ${granted.body.access_token}`).expect(403);
    expect(refused.body).toMatchObject({ reason: 'insufficient_scope' });
  });

  it('a refresh re-checks the current roles: a scope whose role was taken away is no longer carried', async () => {
    const { user } = await userWithRoles(t, ['admin', 'editor']);
    const granted = await password(user, 'admin editor read').expect(200);
    const { session: root } = await userWithRoles(t, ['admin']);
    await t.http
      .patch(`/admin/users/${user.id}`)
      .set('authorization', `Bearer ${root.accessToken}`)
      .send({ roles: ['editor'] })
      .expect(200);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: granted.body.refresh_token }).expect(200);
    expect(claimsOf(refreshed.body.access_token).scope).toBe('editor read');
    expect(refreshed.body.scope).toBe('editor read'); // RFC 6749 §5.1: it differs from what was granted
    // Asking again for the scope granted at login: refused before the rotation, which spends nothing.
    const asked = await token({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token, scope: 'admin' }).expect(400);
    expect(asked.body.error).toBe('invalid_scope');
    await t.http.get('/scoped').set('authorization', `Bearer ${refreshed.body.access_token}`).expect(403);
    // The article's refresh endpoint carries only what is still earned too.
    const article = await t.http.post('/token').send({ refreshToken: refreshed.body.refresh_token }).expect(201);
    expect(claimsOf(article.body.token.accessToken).scope).toBe('editor read');
  });

  it('refuses a malformed AUTH_OPEN_SCOPES at start', async () => {
    await expect(startApp({ AUTH_OPEN_SCOPES: 'read,"quoted"' })).rejects.toThrow(/AUTH_OPEN_SCOPES/);
  });
});
