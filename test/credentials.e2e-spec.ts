import { DataSource } from 'typeorm';
import { PasswordHasher } from '../src/users/password-hasher';
import { User } from '../src/users/user.entity';
import { UsersService } from '../src/users/users.service';
import { startApp, TestApp } from './support/app';
import { bearer, login, signUp } from './support/factories';

const WRONG = 'not the password';
const composed = 'caf\u00e9 au lait!';
const decomposed = 'cafe\u0301 au lait!';

/** What a login costs and who it lets in: the credential rules of UsersService, over HTTP. */
describe('credentials', () => {
  let t: TestApp;
  let verify: jest.SpyInstance;
  beforeAll(async () => {
    // The cost of a check is the point here: argon2id at the production cost, not the tests' cheap one.
    t = await startApp({ AUTH_OAUTH_PASSWORD_GRANT: 'true' }, [], { productionHashing: true });
    verify = jest.spyOn(t.app.get(PasswordHasher), 'verify');
  });
  afterAll(() => t.close());
  beforeEach(() => verify.mockClear());

  it('stores a new password as argon2id at the production cost', async () => {
    const user = await signUp(t.http);
    const { passwordHash } = await t.app.get(DataSource).getRepository(User).findOneByOrFail({ id: user.id });
    expect(passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  const auth = (username: unknown, password: unknown) => t.http.post('/auth').send({ username, password });
  const grant = (username: string, password: string) => t.http.post('/oauth/token').type('form').send({ grant_type: 'password', username, password });

  describe('an unknown username costs one real argon2id verify, like a wrong password', () => {
    it('on POST /auth', async () => {
      const user = await signUp(t.http);
      await auth(user.username, WRONG).expect(401);
      expect(verify).toHaveBeenCalledTimes(1);
      verify.mockClear();
      await auth('nobody_by_this_name', WRONG).expect(401);
      expect(verify).toHaveBeenCalledTimes(1);
    });

    it('on the OAuth password grant', async () => {
      const user = await signUp(t.http);
      await grant(user.username, WRONG).expect(400);
      expect(verify).toHaveBeenCalledTimes(1);
      verify.mockClear();
      const { body } = await grant('nobody_by_this_name', WRONG).expect(400);
      expect(body.error).toBe('invalid_grant');
      expect(verify).toHaveBeenCalledTimes(1);
    });

    it('on POST /me/password, whose current password is checked like a login', async () => {
      const user = await signUp(t.http);
      const session = await login(t.http, user);
      verify.mockClear();
      await t.http.post('/me/password').set(bearer(session)).send({ currentPassword: WRONG, newPassword: 'a new password' }).expect(403);
      expect(verify).toHaveBeenCalledTimes(1);
    });

    it('and a password that normalisation changes costs as many verifies for nobody as for a real user', async () => {
      const user = await signUp(t.http);
      await auth(user.username, 'wrong cafe\u0301').expect(401);
      const forUser = verify.mock.calls.length;
      verify.mockClear();
      await auth('nobody_by_this_name', 'wrong cafe\u0301').expect(401);
      expect(verify).toHaveBeenCalledTimes(forUser);
    });
  });

  describe('a username that could never have signed up', () => {
    it.each([
      ['the Kelvin sign for k', (name: string) => name.replace(/^k/, '\u212A')],
      ['a NUL character', (name: string) => `${name}\u0000`],
      ['a dotless i in place of i', (name: string) => name.replace('i', '\u0131')],
      ['a trailing newline', (name: string) => `${name}\n`],
    ])('is a 401 (%s), with one dummy verify and no database query', async (_case, spoil) => {
      const user = await signUp(t.http, { username: `kit_${Date.now()}` });
      const lookup = jest.spyOn(t.app.get(UsersService)['byUsernameKey'], 'rows');
      try {
        const { body } = await auth(spoil(user.username), user.password).expect(401);
        expect(body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' });
        expect(verify).toHaveBeenCalledTimes(1);
        expect(lookup).not.toHaveBeenCalled();
        await grant(spoil(user.username), user.password).expect(400);
        expect(lookup).not.toHaveBeenCalled();
      } finally {
        lookup.mockRestore();
      }
      await login(t.http, user);
    });

    it('never lets a NUL in the password reach anything but the hasher', async () => {
      const user = await signUp(t.http);
      await auth(user.username, `${user.password}\u0000`).expect(401);
      await grant(user.username, `${user.password}\u0000`).expect(400);
      await login(t.http, user);
    });
  });

  describe('passwords are normalised (NFKC) before hashing and verifying', () => {
    it('a user who signed up with a decomposed é logs in with the composed one, and the other way round', async () => {
      const a = await signUp(t.http, { password: decomposed });
      await login(t.http, { ...a, password: composed });
      await login(t.http, a);
      const b = await signUp(t.http, { password: composed });
      await login(t.http, { ...b, password: decomposed });
    });

    it('compatibility forms are one password too (fullwidth letters)', async () => {
      const user = await signUp(t.http, { password: '\uFF30\uFF41\uFF53\uFF53word 42' });
      await login(t.http, { ...user, password: 'Password 42' });
    });

    it('applies to a changed password', async () => {
      const user = await signUp(t.http);
      const session = await login(t.http, user);
      await t.http.post('/me/password').set(bearer(session)).send({ currentPassword: user.password, newPassword: decomposed }).expect(204);
      await login(t.http, { ...user, password: composed });
    });

    it('a legacy hash of the raw, unnormalised password still logs in and is rehashed from the normalised form', async () => {
      const user = await signUp(t.http);
      const hasher = t.app.get(PasswordHasher);
      const users = t.app.get(DataSource).getRepository(User);
      await users.update({ id: user.id }, { passwordHash: await hasher.hash(decomposed) });
      await login(t.http, { ...user, password: decomposed });
      const { passwordHash } = await users.findOneByOrFail({ id: user.id });
      await expect(hasher.verify(passwordHash, composed)).resolves.toBe(true);
      await login(t.http, { ...user, password: composed });
    });

    it('a legacy hash is not rehashed by a wrong password', async () => {
      const user = await signUp(t.http);
      const hasher = t.app.get(PasswordHasher);
      const users = t.app.get(DataSource).getRepository(User);
      const legacy = await hasher.hash(decomposed);
      await users.update({ id: user.id }, { passwordHash: legacy });
      await auth(user.username, 'wrong cafe\u0301').expect(401);
      await expect(users.findOneByOrFail({ id: user.id })).resolves.toMatchObject({ passwordHash: legacy });
    });
  });

  describe('ill-formed passwords (lone surrogates) are 400', () => {
    const lone = 'password \uD800 here';

    it('on sign-up, login and password change', async () => {
      const user = await signUp(t.http);
      const session = await login(t.http, user);
      verify.mockClear();
      for (const response of [
        await t.http.post('/users').send({ username: `lone_${Date.now()}`, password: lone }),
        await auth(user.username, lone),
        await t.http.post('/me/password').set(bearer(session)).send({ currentPassword: user.password, newPassword: lone }),
        await t.http.post('/me/password').set(bearer(session)).send({ currentPassword: lone, newPassword: 'a new password' }),
      ]) {
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.anything() });
      }
      expect(verify).not.toHaveBeenCalled();
      await login(t.http, user);
    });
  });
});

describe('logins with impossible usernames count as failures', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS: '3' });
  });
  afterAll(() => t.close());

  it('so an address spraying them is limited like any other', async () => {
    for (const username of ['\u212Aate', 'nul\u0000name', 'x']) {
      await t.http.post('/auth').send({ username, password: WRONG }).expect(401);
    }
    await t.http.post('/auth').send({ username: 'kate_next', password: WRONG }).expect(429);
  });
});
