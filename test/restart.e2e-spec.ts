import { startApp } from './support/app';
import { createTestDatabase, TestDatabase } from './support/engines';
import { bearer, login, signUp } from './support/factories';

describe('a restart on the same database file', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ shared: true });
  });
  afterAll(() => database.drop());

  it('keeps users, clients, the signing key and every token', async () => {
    const first = await startApp({ DATABASE_URL: database.url });
    const user = await signUp(first.http);
    const session = await login(first.http, user);
    await first.close();

    const second = await startApp({ DATABASE_URL: database.url });
    try {
      // The access token signed before the restart still verifies: the key lives in the database.
      const me = await second.http.get('/me').set(bearer(session)).expect(200);
      expect(me.body.id).toBe(user.id);
      const { body } = await second.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
      await second.http
        .get('/clients')
        .set(bearer({ ...session, accessToken: body.token.accessToken }))
        .expect(200);
      await login(second.http, user);
    } finally {
      await second.close();
    }
  });
});
