import { startApp, TestApp } from './app';
import { bearer, login, signUp, TestUser } from './factories';

describe('GET /clients, DELETE /clients/:id, DELETE /clients', () => {
  let t: TestApp;
  let user: TestUser;
  beforeEach(async () => {
    t = await startApp();
    user = await signUp(t.http);
  });
  afterEach(() => t.close());

  it('lists the caller’s live clients, newest first, with the current one marked', async () => {
    const phone = await login(t.http, user, true, 'phone');
    const laptop = await login(t.http, user, false, 'laptop');
    const other = await signUp(t.http);
    await login(t.http, other);

    const { body } = await t.http.get('/clients').set(bearer(laptop)).expect(200);
    expect(body).toEqual([
      {
        id: laptop.clientId,
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        expiresAt: expect.any(String),
        userAgent: 'laptop',
        ip: expect.any(String),
        permanent: false,
        current: true,
      },
      expect.objectContaining({ id: phone.clientId, userAgent: 'phone', permanent: true, current: false }),
    ]);
    // A permanent client lives until its idle deadline; a non-permanent one with its access token.
    expect(new Date(body[1].expiresAt).getTime() - Date.now()).toBeGreaterThan(29 * 86400_000);
    expect(new Date(body[0].expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(900_000);
  });

  it('drops ended clients from the list', async () => {
    const a = await login(t.http, user);
    const b = await login(t.http, user);
    await t.http.post('/token/reject').send({ refreshToken: a.refreshToken }).expect(204);
    const { body } = await t.http.get('/clients').set(bearer(b)).expect(200);
    expect(body.map((c: { id: string }) => c.id)).toEqual([b.clientId]);
  });

  it('DELETE /clients/:id ends that client: its refresh and access tokens stop working', async () => {
    const phone = await login(t.http, user);
    const laptop = await login(t.http, user);
    await t.http.delete(`/clients/${phone.clientId}`).set(bearer(laptop)).expect(204);
    await t.http.get('/me').set(bearer(phone)).expect(401);
    await t.http.post('/token').send({ refreshToken: phone.refreshToken }).expect(401);
    await t.http.get('/me').set(bearer(laptop)).expect(200);
    await t.http.delete(`/clients/${phone.clientId}`).set(bearer(laptop)).expect(404);
  });

  it('DELETE /clients/:id of another user’s client, or an unknown id: 404, and nothing ends', async () => {
    const mine = await login(t.http, user);
    const stranger = await signUp(t.http);
    const theirs = await login(t.http, stranger);
    const { body } = await t.http.delete(`/clients/${theirs.clientId}`).set(bearer(mine)).expect(404);
    expect(body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Client not found' });
    await t.http.get('/me').set(bearer(theirs)).expect(200);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "x' OR '1'='1"]) {
      await t.http.delete(`/clients/${encodeURIComponent(id)}`).set(bearer(mine)).expect(404);
    }
  });

  it('DELETE /clients ends every client of the caller but the current one', async () => {
    const a = await login(t.http, user);
    const b = await login(t.http, user, false);
    const current = await login(t.http, user);
    const stranger = await signUp(t.http);
    const theirs = await login(t.http, stranger);
    await t.http.delete('/clients').set(bearer(current)).expect(204);
    await t.http.get('/me').set(bearer(a)).expect(401);
    await t.http.get('/me').set(bearer(b)).expect(401);
    await t.http.post('/token').send({ refreshToken: a.refreshToken }).expect(401);
    await t.http.get('/me').set(bearer(current)).expect(200);
    await t.http.get('/me').set(bearer(theirs)).expect(200);
    const { body } = await t.http.get('/clients').set(bearer(current)).expect(200);
    expect(body).toHaveLength(1);
  });

  it.each([
    ['GET', '/clients'],
    ['DELETE', '/clients'],
    ['DELETE', '/clients/00000000-0000-4000-8000-000000000000'],
  ])('%s %s needs an access token: 401', async (method, path) => {
    await t.http[method === 'GET' ? 'get' : 'delete'](path).expect(401);
  });
});
