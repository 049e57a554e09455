import { userWithRoles } from './support/admin-helpers';
import { startApp, TestApp } from './support/app';
import { bearer, credentials, login, signUp } from './support/factories';

/*
 * What the adversarial review of round 2 found after the merge: null in an admin PATCH, an email that is
 * not well-formed Unicode, and a client id that with a made-up secret told a user's roles apart.
 */
describe('round 2 review', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp({ AUTH_OAUTH_PASSWORD_GRANT: 'true' })));
  afterAll(() => t.close());

  describe('PATCH /admin/users/:id: null is never "no change" nor "false"', () => {
    it('roles: null is a 400, and nothing changes', async () => {
      const admin = await userWithRoles(t, ['admin']);
      const user = await signUp(t.http);
      const response = await t.http.patch(`/admin/users/${user.id}`).set(bearer(admin.session)).send({ roles: null }).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const view = await t.http.get(`/admin/users/${user.id}`).set(bearer(admin.session)).expect(200);
      expect(view.body.roles).toEqual([]);
    });

    it('disabled: null is a 400, and a disabled user stays disabled', async () => {
      const admin = await userWithRoles(t, ['admin']);
      const user = await signUp(t.http);
      await t.http.patch(`/admin/users/${user.id}`).set(bearer(admin.session)).send({ disabled: true }).expect(200);
      await t.http.patch(`/admin/users/${user.id}`).set(bearer(admin.session)).send({ disabled: null }).expect(400);
      const view = await t.http.get(`/admin/users/${user.id}`).set(bearer(admin.session)).expect(200);
      expect(view.body.disabled).toBe(true);
    });
  });

  describe('an email that is not well-formed Unicode is a 400, never a 500', () => {
    const LONE_SURROGATE = '\ud800@example.com';

    it('on POST /password/forgot, POST /users and PUT /me/email', async () => {
      await t.http.post('/password/forgot').send({ email: LONE_SURROGATE }).expect(400);
      await t.http
        .post('/users')
        .send({ ...credentials(), email: LONE_SURROGATE })
        .expect(400);
      const user = await signUp(t.http);
      const session = await login(t.http, user);
      await t.http.put('/me/email').set(bearer(session)).send({ email: LONE_SURROGATE }).expect(400);
    });
  });

  describe('POST /oauth/token refresh grant: a client id with a made-up secret learns nothing', () => {
    it('answers invalid_grant whatever the scope, for an admin and for a user without roles alike', async () => {
      const admin = await userWithRoles(t, ['admin']);
      const plain = await signUp(t.http);
      const plainSession = await login(t.http, plain, true);
      for (const clientId of [admin.session.clientId, plainSession.clientId]) {
        for (const scope of ['admin', 'zzz']) {
          const response = await t.http
            .post('/oauth/token')
            .type('form')
            .send({ grant_type: 'refresh_token', refresh_token: `${clientId}.${'A'.repeat(43)}`, scope })
            .expect(400);
          expect(response.body.error).toBe('invalid_grant');
        }
      }
    });

    it('still judges the scope of a real token before rotating it (invalid_scope, the token unspent)', async () => {
      const plain = await signUp(t.http);
      const session = await login(t.http, plain, true);
      const refused = await t.http
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: session.refreshToken, scope: 'admin' })
        .expect(400);
      expect(refused.body.error).toBe('invalid_scope');
      await t.http.post('/oauth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: session.refreshToken }).expect(200);
    });
  });
});
