import type TestAgent from 'supertest/lib/agent';
import { UsersService } from '../src/users/users.service';
import { userWithRoles } from './support/admin-helpers';
import { startApp, TestApp } from './support/app';
import { bearer, credentials, signUp, TestUser } from './support/factories';

/*
 * Issue 24 item 7: a device cookie names the user by id. A deleted account's cookies must be nothing to
 * a new account that took its username: no extra guesses, no spending of its device budget. Addresses
 * come from X-Forwarded-For (TRUST_PROXY), so one app plays the owner and the attacker.
 */
let nextAddress = 0;
const newAddress = () => `10.24.${Math.floor(++nextAddress / 250)}.${(nextAddress % 250) + 1}`;

describe('device cookies of a deleted account', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ TRUST_PROXY: '1', AUTH_LOGIN_MAX_FAILURES_PER_USER: '20' });
  });
  afterAll(() => t.close());

  const loginFrom = (http: TestAgent, ip: string, username: string, password: string, cookie?: string) => {
    const request = http.post('/auth').set('x-forwarded-for', ip).send({ username, password });
    return cookie ? request.set('cookie', cookie) : request;
  };
  /** Logs in and returns the device cookie the login set, as `name=value`. */
  async function deviceCookie(user: TestUser, ip = newAddress()): Promise<string> {
    const response = await loginFrom(t.http, ip, user.username, user.password).expect(200);
    const header = [response.headers['set-cookie'] ?? []].flat().find((cookie) => /^__Host-ra_device=/.test(cookie));
    if (!header) throw new Error('no device cookie was set');
    return header.split(';')[0];
  }
  /** An account deleted through the admin API, and a new account under the same username. */
  async function reusedName(): Promise<{ oldCookies: string[]; successor: TestUser }> {
    const admin = await userWithRoles(t, ['admin']);
    const original = await signUp(t.http);
    const oldCookies = [await deviceCookie(original), await deviceCookie(original)];
    await t.http.delete(`/admin/users/${original.id}`).set(bearer(admin.session)).expect(204);
    const successor = await signUp(t.http, { username: original.username, password: 'the successor’s own password' });
    expect(successor.id).not.toBe(original.id);
    return { oldCookies, successor };
  }

  it('give no extra guesses against the new account of the same name', async () => {
    const { oldCookies, successor } = await reusedName();
    const attacker = newAddress();
    for (let i = 0; i < 10; i += 1) await loginFrom(t.http, attacker, successor.username, 'wrong password').expect(401);
    // The address's budget for this name is spent; the old cookie does not open a device budget beside it.
    const withOldCookie = await loginFrom(t.http, attacker, successor.username, 'wrong password', oldCookies[0]);
    expect(withOldCookie.status).toBe(429);
    // The successor's own cookie is a trusted device, from the same address.
    const own = await deviceCookie(successor);
    await loginFrom(t.http, attacker, successor.username, successor.password, own).expect(200);
  });

  it("do not spend the new account's device budget", async () => {
    const { oldCookies, successor } = await reusedName();
    const own = await deviceCookie(successor);
    // 10 failures per old cookie (its per-device limit), 20 in all: the devices' per-user budget, if they counted.
    for (const cookie of oldCookies) {
      for (let i = 0; i < 10; i += 1) await loginFrom(t.http, newAddress(), successor.username, 'wrong password', cookie).expect(401);
    }
    await loginFrom(t.http, newAddress(), successor.username, successor.password, own).expect(200);
  });

  it('cost one lookup of the name whether or not it exists (no enumeration by the work done)', async () => {
    const owner = await signUp(t.http);
    const cookie = await deviceCookie(owner);
    const users = t.app.get(UsersService);
    const lookups = jest.spyOn(users, 'idOf');
    const checks = jest.spyOn(users, 'verifyCredentials');
    try {
      await loginFrom(t.http, newAddress(), credentials().username, 'wrong password', cookie).expect(401);
      await loginFrom(t.http, newAddress(), (await signUp(t.http)).username, 'wrong password', cookie).expect(401);
      expect(lookups).toHaveBeenCalledTimes(2);
      expect(checks).toHaveBeenCalledTimes(2);
      // Without a cookie, no lookup at all, for either.
      await loginFrom(t.http, newAddress(), credentials().username, 'wrong password').expect(401);
      await loginFrom(t.http, newAddress(), owner.username, 'wrong password').expect(401);
      expect(lookups).toHaveBeenCalledTimes(2);
    } finally {
      lookups.mockRestore();
      checks.mockRestore();
    }
  });
});
