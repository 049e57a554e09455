import { startApp, type TestApp } from './support/app';
import { userWithRoles } from './support/admin-helpers';
import { bearer, login, signUp } from './support/factories';

/** API.md §13: applications are registered by admins, audited; the secret is shown once and stored hashed. */
describe('/admin/applications', () => {
  let t: TestApp;
  let admin: { authorization: string };

  beforeAll(async () => {
    t = await startApp();
    admin = bearer((await userWithRoles(t, ['admin'])).session);
  });
  afterAll(() => t.close());

  const valid = {
    name: 'Wiki',
    type: 'confidential',
    redirectUris: ['https://wiki.example/callback'],
    postLogoutRedirectUris: ['https://wiki.example/'],
    scopes: ['openid', 'profile', 'editor'],
    firstParty: false,
    backchannelLogoutUri: 'https://wiki.example/backchannel',
  };

  it('creates, shows the secret once, lists, changes and deletes; every change in the audit trail without the secret', async () => {
    const created = await t.http.post('/admin/applications').set(admin).send(valid).expect(201);
    const { clientId, clientSecret } = created.body as { clientId: string; clientSecret: string };
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ ...valid, clientId, tokenEndpointAuthMethods: ['client_secret_basic'] });

    const shown = await t.http.get(`/admin/applications/${clientId}`).set(admin).expect(200);
    expect(shown.body.clientSecret).toBeUndefined();
    expect(JSON.stringify(shown.body)).not.toContain(clientSecret);
    expect((await t.http.get('/admin/applications').set(admin).expect(200)).body).toEqual(
      expect.arrayContaining([expect.objectContaining({ clientId })]),
    );

    const changed = await t.http
      .patch(`/admin/applications/${clientId}`)
      .set(admin)
      .send({ name: 'Wiki 2', scopes: ['openid'] })
      .expect(200);
    expect(changed.body).toMatchObject({ name: 'Wiki 2', scopes: ['openid'], redirectUris: valid.redirectUris });
    await t.http.delete(`/admin/applications/${clientId}`).set(admin).expect(204);
    await t.http.get(`/admin/applications/${clientId}`).set(admin).expect(404);

    const audit = await t.http.get('/admin/audit').set(admin).expect(200);
    const actions = (audit.body as Array<{ action: string }>).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['application.created', 'application.updated', 'application.deleted']));
    expect(JSON.stringify(audit.body)).not.toContain(clientSecret);
  });

  it('a public application gets no secret and no keys', async () => {
    const created = await t.http
      .post('/admin/applications')
      .set(admin)
      .send({ ...valid, type: 'public' })
      .expect(201);
    expect(created.body.clientSecret).toBeUndefined();
    expect(created.body.tokenEndpointAuthMethods).toEqual(['none']);
    const keys = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] };
    await t.http
      .post('/admin/applications')
      .set(admin)
      .send({ ...valid, type: 'public', jwks: keys })
      .expect(400);
  });

  it.each([
    ['a redirect URI with a fragment', { redirectUris: ['https://wiki.example/cb#x'] }],
    ['a relative redirect URI', { redirectUris: ['/callback'] }],
    ['no redirect URI', { redirectUris: [] }],
    ['an unknown type', { type: 'trusted' }],
    ['a scope that is no scope name', { scopes: ['Open ID'] }],
    ['a private key in jwks', { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] } }],
    ['an unknown field', { secret: 'mine' }],
    ['a null name', { name: null }],
  ])('refuses %s with 400', async (_case, change) => {
    const response = await t.http
      .post('/admin/applications')
      .set(admin)
      .send({ ...valid, ...change })
      .expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, message: expect.anything() });
  });

  it('is for admins only; unknown ids are 404', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    await t.http.get('/admin/applications').set(bearer(session)).expect(403);
    await t.http.post('/admin/applications').set(bearer(session)).send(valid).expect(403);
    await t.http.get('/admin/applications/nope').set(admin).expect(404);
    await t.http.patch('/admin/applications/nope').set(admin).send({ name: 'x' }).expect(404);
    await t.http.patch('/admin/applications/nope').set(admin).send({ name: null }).expect(400);
    await t.http.get('/admin/applications/a%20b/sessions').set(admin).expect(404);
  });

  it('publishes the OpenID Connect discovery document', async () => {
    const response = await t.http.get('/.well-known/openid-configuration').expect(200);
    expect(response.body).toMatchObject({
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      backchannel_logout_supported: true,
      token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic', 'private_key_jwt']),
    });
  });
});
