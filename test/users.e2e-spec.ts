import { DataSource } from 'typeorm';
import { User } from '../src/users/user.entity';
import { startApp, TestApp } from './support/app';
import { controlAppClock } from './support/clock';
import { bearer, credentials, login, signUp } from './support/factories';

describe('POST /users and GET /me', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('signs a user up: 201 {id, username, createdAt}, never the hash', async () => {
    const user = credentials();
    const { body } = await t.http.post('/users').send(user).expect(201);
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'id', 'username']);
    expect(body.username).toBe(user.username);
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
  });

  it('refuses a taken username, compared case-insensitively: 409', async () => {
    const user = await signUp(t.http, { username: `Carol_${Date.now()}` });
    const { body } = await t.http.post('/users').send({ username: user.username.toUpperCase(), password: 'another password' }).expect(409);
    expect(body).toEqual({ statusCode: 409, error: 'Conflict', message: 'Username is already taken' });
  });

  it('gives exactly one 201 among concurrent sign-ups for one name', async () => {
    const user = credentials();
    const statuses = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        t.http
          .post('/users')
          .send({ ...user, username: i % 2 ? user.username : user.username.toUpperCase() })
          .then((r) => r.status),
      ),
    );
    expect(statuses.sort()).toEqual([201, 409, 409, 409, 409]);
  });

  it.each([
    ['no body fields', {}],
    ['a short username', { username: 'ab', password: 'long enough pw' }],
    ['a long username', { username: 'a'.repeat(65), password: 'long enough pw' }],
    ['a username with a space', { username: 'bad name', password: 'long enough pw' }],
    ['a non-ASCII username', { username: 'zoë_user', password: 'long enough pw' }],
    ['a numeric username', { username: 12345, password: 'long enough pw' }],
    ['a 7-character password', { username: 'valid_name', password: '1234567' }],
    ['a 129-character password', { username: 'valid_name', password: 'p'.repeat(129) }],
    ['a password that is not a string', { username: 'valid_name', password: ['long enough pw'] }],
    ['an unknown field', { username: 'valid_name', password: 'long enough pw', admin: true }],
  ])('refuses %s: 400 {statusCode, error, message}', async (_case, body) => {
    const response = await t.http.post('/users').send(body).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(response.body.message).toBeDefined();
  });

  it('counts password length in code points: 8 emoji are a valid password, 129 are not', async () => {
    await t.http
      .post('/users')
      .send(credentials({ password: '🔑'.repeat(8) }))
      .expect(201);
    await t.http
      .post('/users')
      .send(credentials({ password: '🔑'.repeat(128) }))
      .expect(201);
    await t.http
      .post('/users')
      .send(credentials({ password: '🔑'.repeat(129) }))
      .expect(400);
  });

  it('reads the time from the Clock, and a password change always moves passwordChangedAt forward', async () => {
    const clock = controlAppClock(t.app);
    clock.advance(86_400_000);
    const user = await signUp(t.http);
    const users = t.app.get(DataSource).getRepository(User);
    const signedUp = await users.findOneByOrFail({ id: user.id });
    expect(signedUp.createdAt.getTime()).toBeGreaterThan(Date.now() + 86_000_000);
    // A clock set back (NTP, another instance) must not make the change look older than the sign-up.
    clock.advance(-2 * 86_400_000);
    const session = await login(t.http, user);
    await t.http.post('/me/password').set(bearer(session)).send({ currentPassword: user.password, newPassword: 'a new password' }).expect(204);
    const changed = await users.findOneByOrFail({ id: user.id });
    expect(changed.passwordChangedAt.getTime()).toBe(signedUp.passwordChangedAt.getTime() + 1);
    clock.advance(86_400_000);
  });

  it('answers GET /me with the caller and the client of the token', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user, false);
    const { body } = await t.http.get('/me').set(bearer(session)).expect(200);
    expect(body).toEqual({ id: user.id, username: user.username, clientId: session.clientId, createdAt: expect.any(String) });
  });
});

describe('POST /users with AUTH_SIGNUP=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_SIGNUP: 'false' });
  });
  afterAll(() => t.close());

  it('is closed: 403', async () => {
    const { body } = await t.http.post('/users').send(credentials()).expect(403);
    expect(body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Sign-up is disabled' });
  });
});
