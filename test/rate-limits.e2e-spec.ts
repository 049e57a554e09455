import type TestAgent from 'supertest/lib/agent';
import { RateLimitsService } from '../src/rate-limit/rate-limits.service';
import { UsersService } from '../src/users/users.service';
import { startApp, TestApp } from './support/app';
import { controlAppClock } from './support/clock';
import { bearer, signUp, TestUser } from './support/factories';

/*
 * The attacks of issue 12 (items 1, 9, 11, 12) as tests. Addresses come from X-Forwarded-For
 * (TRUST_PROXY=true), so one in-process app can play the owner and a stranger.
 */
let nextAddress = 0;
const newAddress = () => `10.12.${Math.floor(++nextAddress / 250)}.${(nextAddress % 250) + 1}`;

const loginFrom = (http: TestAgent, ip: string, username: string, password: string, cookie?: string) => {
  const request = http.post('/auth').set('x-forwarded-for', ip).send({ username, password });
  return cookie ? request.set('cookie', cookie) : request;
};

/** The device cookie a successful login set, as a `name=value` pair ready to send back. */
function deviceCookie(setCookie: string[] | string | undefined): { pair: string; attributes: string } {
  const header = [setCookie ?? []].flat().find((cookie) => /^(__Host-)?ra_device=/.test(cookie));
  if (!header) throw new Error('no device cookie was set');
  return { pair: header.split(';')[0], attributes: header };
}

function expectTooMany(response: { status: number; headers: Record<string, string>; body: unknown }) {
  expect(response.status).toBe(429);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}

/** How many argon2 verifies of a login's password ran (UsersService.verifyCredentials is the one caller). */
const countChecks = (t: TestApp) => jest.spyOn(t.app.get(UsersService), 'verifyCredentials');

describe('concurrent guesses (issue 12.1): at most the limit is ever checked per window', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ TRUST_PROXY: '1', AUTH_OAUTH_PASSWORD_GRANT: 'true' });
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  /** 200 guesses at once, the right one among them (not among the first); none but the first 10 checked. */
  async function guessAll(
    send: (password: string) => PromiseLike<{ status: number; headers: Record<string, string>; body: unknown }>,
    right: string,
  ) {
    const passwords = Array.from({ length: 200 }, (_, i) => (i === 120 ? right : `wrong password ${i}`));
    return Promise.all(passwords.map((password) => send(password)));
  }

  it('on POST /auth: 200 parallel guesses for one username, limit 10', async () => {
    const user = await signUp(t.http);
    const ip = newAddress();
    const checks = countChecks(t);
    const responses = await guessAll((password) => loginFrom(t.http, ip, user.username, password), user.password);
    // Exactly the limit: fewer would mean the checks no longer run through the counted path.
    expect(checks).toHaveBeenCalledTimes(10);
    expect(responses.filter((r) => r.status === 401)).toHaveLength(10);
    expect(responses[120].status).toBe(429);
    expect(responses.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expectTooMany(responses.find((r) => r.status === 429)!);
  });

  it('on POST /me/password: a stolen access token cannot find the current password', async () => {
    const user = await signUp(t.http);
    const ip = newAddress();
    const session = (await loginFrom(t.http, ip, user.username, user.password).expect(200)).body;
    const checks = countChecks(t);
    const responses = await guessAll(
      (currentPassword) =>
        t.http
          .post('/me/password')
          .set('x-forwarded-for', ip)
          .set(bearer({ accessToken: session.token.accessToken, clientId: '' }))
          .send({ currentPassword, newPassword: 'a brand new password' }),
      user.password,
    );
    expect(checks).toHaveBeenCalledTimes(10);
    expect(responses.filter((r) => r.status === 403)).toHaveLength(10);
    expect(responses[120].status).toBe(429);
    expectTooMany(responses.find((r) => r.status === 429)!);
  });

  it('on the /oauth/token password grant, answering 429 slow_down', async () => {
    const user = await signUp(t.http);
    const ip = newAddress();
    const checks = countChecks(t);
    const responses = await guessAll(
      (password) =>
        t.http
          .post('/oauth/token')
          .set('x-forwarded-for', ip)
          .type('form')
          .send(new URLSearchParams({ grant_type: 'password', username: user.username, password }).toString()),
      user.password,
    );
    expect(checks).toHaveBeenCalledTimes(10);
    expect(responses.filter((r) => r.status === 400)).toHaveLength(10);
    expect(responses[120].status).toBe(429);
    const limited = responses.find((r) => r.status === 429)!;
    expectTooMany(limited);
    expect(limited.body).toEqual({ error: 'slow_down', error_description: expect.any(String) });
  });
});

describe('a stranger cannot lock the owner out (issue 12.9)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ TRUST_PROXY: '1', AUTH_LOGIN_MAX_FAILURES_PER_USER: '20' });
  });
  afterAll(() => t.close());

  /** Burns the username's loose budget (20) from many addresses, 5 each. */
  async function strangerBurns(user: TestUser) {
    for (let a = 0; a < 4; a += 1) {
      const ip = newAddress();
      for (let i = 0; i < 5; i += 1) await loginFrom(t.http, ip, user.username, 'wrong password').expect(401);
    }
  }

  it('a login sets a long-lived HttpOnly, Secure, SameSite=Strict device cookie that is no access token', async () => {
    const user = await signUp(t.http);
    const response = await loginFrom(t.http, newAddress(), user.username, user.password).expect(200);
    const { pair, attributes } = deviceCookie(response.headers['set-cookie']);
    expect(pair).toMatch(/^__Host-ra_device=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(attributes).toMatch(/; HttpOnly/i);
    expect(attributes).toMatch(/; Secure/i);
    expect(attributes).toMatch(/; SameSite=Strict/i);
    expect(attributes).toMatch(/; Path=\//i);
    expect(Number(/Max-Age=(\d+)/i.exec(attributes)?.[1])).toBeGreaterThanOrEqual(180 * 86400);
    await t.http
      .get('/me')
      .set('authorization', `Bearer ${pair.split('=')[1]}`)
      .expect(401);
  });

  it("a stranger's failures from one address do not touch the owner's address", async () => {
    const user = await signUp(t.http);
    const stranger = newAddress();
    for (let i = 0; i < 10; i += 1) await loginFrom(t.http, stranger, user.username, 'wrong password').expect(401);
    expectTooMany(await loginFrom(t.http, stranger, user.username, user.password));
    await loginFrom(t.http, newAddress(), user.username, user.password).expect(200);
  });

  it('past the per-username budget, the owner with a device cookie still gets in; others do not', async () => {
    const user = await signUp(t.http);
    const other = await signUp(t.http);
    const home = newAddress();
    const owned = deviceCookie((await loginFrom(t.http, home, user.username, user.password).expect(200)).headers['set-cookie']);
    const othersCookie = deviceCookie((await loginFrom(t.http, home, other.username, other.password).expect(200)).headers['set-cookie']);
    await strangerBurns(user);

    expectTooMany(await loginFrom(t.http, newAddress(), user.username, user.password));
    expectTooMany(await loginFrom(t.http, home, user.username, user.password, othersCookie.pair));
    expectTooMany(await loginFrom(t.http, home, user.username, user.password, `${owned.pair}x`));
    await loginFrom(t.http, home, user.username, user.password, owned.pair).expect(200);
    // From anywhere: the cookie, not the address, is what the owner has.
    await loginFrom(t.http, newAddress(), user.username, user.password, owned.pair).expect(200);
  });

  it('a device cookie is trusted for a year, not longer (the Clock moved)', async () => {
    const user = await signUp(t.http);
    const home = newAddress();
    const owned = deviceCookie((await loginFrom(t.http, home, user.username, user.password).expect(200)).headers['set-cookie']);
    await strangerBurns(user);
    const clock = controlAppClock(t.app);
    try {
      clock.advance(364 * 86400_000);
      await loginFrom(t.http, home, user.username, user.password, owned.pair).expect(200);
      clock.advance(2 * 86400_000);
      expectTooMany(await loginFrom(t.http, home, user.username, user.password, owned.pair));
    } finally {
      jest.restoreAllMocks();
    }
  });

  it("the device's own failures are limited per device", async () => {
    const user = await signUp(t.http);
    const owned = deviceCookie((await loginFrom(t.http, newAddress(), user.username, user.password).expect(200)).headers['set-cookie']);
    for (let i = 0; i < 10; i += 1) {
      await loginFrom(t.http, newAddress(), user.username, 'wrong password', owned.pair).expect(401);
    }
    expectTooMany(await loginFrom(t.http, newAddress(), user.username, user.password, owned.pair));
  });

  it("the owner's live client can still change the password after a stranger burned the username", async () => {
    const user = await signUp(t.http);
    const home = newAddress();
    const session = (await loginFrom(t.http, home, user.username, user.password).expect(200)).body;
    await strangerBurns(user);
    expectTooMany(await loginFrom(t.http, newAddress(), user.username, user.password));
    await t.http
      .post('/me/password')
      .set('x-forwarded-for', home)
      .set('authorization', `Bearer ${session.token.accessToken}`)
      .send({ currentPassword: user.password, newPassword: 'a brand new password' })
      .expect(204);
  });

  it("a client's wrong current passwords are limited per client, not per username", async () => {
    const user = await signUp(t.http);
    const first = (await loginFrom(t.http, newAddress(), user.username, user.password).expect(200)).body;
    const second = (await loginFrom(t.http, newAddress(), user.username, user.password).expect(200)).body;
    const change = (session: typeof first, currentPassword: string) =>
      t.http
        .post('/me/password')
        .set('authorization', `Bearer ${session.token.accessToken}`)
        .send({ currentPassword, newPassword: 'a brand new password' });
    for (let i = 0; i < 10; i += 1) await change(first, 'wrong password').expect(403);
    expectTooMany(await change(first, user.password));
    await loginFrom(t.http, newAddress(), user.username, user.password).expect(200);
    await change(second, user.password).expect(204);
  });
});

describe('an address past its failure budget', () => {
  it('is refused before any per-username counter is touched (no counters for a spray of names)', async () => {
    const t = await startApp({ TRUST_PROXY: '1', AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS: '3' });
    try {
      const ip = newAddress();
      for (let i = 0; i < 3; i += 1) await loginFrom(t.http, ip, `spray_${i}`, 'wrong password').expect(401);
      const perUser = jest.spyOn(t.app.get(RateLimitsService).loginFailuresPerUser, 'consume');
      for (let i = 3; i < 13; i += 1) expectTooMany(await loginFrom(t.http, ip, `spray_${i}`, 'wrong password'));
      expect(perUser).not.toHaveBeenCalled();
    } finally {
      jest.restoreAllMocks();
      await t.close();
    }
  });
});

describe('plain-http development (AUTH_COOKIE_SECURE=false)', () => {
  it('names the device cookie without the __Host- prefix and drops Secure', async () => {
    const t = await startApp({ AUTH_COOKIE_SECURE: 'false' });
    try {
      const user = await signUp(t.http);
      const response = await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(200);
      const { pair, attributes } = deviceCookie(response.headers['set-cookie']);
      expect(pair).toMatch(/^ra_device=/);
      expect(attributes).not.toMatch(/; Secure/i);
      expect(attributes).toMatch(/; HttpOnly/i);
    } finally {
      await t.close();
    }
  });
});

describe('successful logins per address (issue 12.11)', () => {
  it('answers 429 past the limit, for right and wrong passwords alike; other addresses go on', async () => {
    const t = await startApp({ TRUST_PROXY: '1', AUTH_LOGIN_MAX_SUCCESSES_PER_ADDRESS: '3' });
    try {
      const user = await signUp(t.http);
      const ip = newAddress();
      // Failures are not successes: they hold a success point only while their check runs.
      for (let i = 0; i < 4; i += 1) await loginFrom(t.http, ip, user.username, 'wrong password').expect(401);
      for (let i = 0; i < 3; i += 1) await loginFrom(t.http, ip, user.username, user.password).expect(200);
      expectTooMany(await loginFrom(t.http, ip, user.username, user.password));
      // No oracle: a wrong password is refused the same way, unchecked.
      expectTooMany(await loginFrom(t.http, ip, user.username, 'wrong password'));
      await loginFrom(t.http, newAddress(), user.username, user.password).expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('sign-ups per address (issue 12.12)', () => {
  it('one address cannot make thousands of accounts: 300 at once, limit 5', async () => {
    const t = await startApp({ TRUST_PROXY: '1', AUTH_SIGNUP_MAX_PER_ADDRESS: '5' });
    try {
      const ip = newAddress();
      const responses = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          t.http
            .post('/users')
            .set('x-forwarded-for', ip)
            .send({ username: `flood_${i}_${nextAddress}`, password: 'correct horse battery' }),
        ),
      );
      expect(responses.filter((r) => r.status === 201)).toHaveLength(5);
      expect(responses.filter((r) => r.status === 429)).toHaveLength(295);
      const limited = responses.find((r) => r.status === 429)!;
      expectTooMany(limited);
      expect(limited.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) });
      await t.http
        .post('/users')
        .set('x-forwarded-for', newAddress())
        .send({ username: `other_${nextAddress}`, password: 'correct horse battery' })
        .expect(201);
    } finally {
      await t.close();
    }
  });
});

describe('IPv6 addresses count by /64', () => {
  it('one host cannot take a fresh sign-up budget from every address of its /64', async () => {
    const t = await startApp({ TRUST_PROXY: '1', AUTH_SIGNUP_MAX_PER_ADDRESS: '2' });
    try {
      const signUpFrom = (ip: string, i: number) =>
        t.http
          .post('/users')
          .set('x-forwarded-for', ip)
          .send({ username: `v6_${i}_${nextAddress}`, password: 'correct horse battery' });
      await signUpFrom('2001:db8:12:34::1', 1).expect(201);
      await signUpFrom('2001:db8:12:34::2', 2).expect(201);
      expectTooMany(await signUpFrom('2001:db8:12:34:ffff:1:2:3', 3));
      await signUpFrom('2001:db8:12:35::1', 4).expect(201);
    } finally {
      await t.close();
    }
  });
});

/*
 * rate-limiter-flexible reads Date.now itself, so these windows are moved with jest's fake Date (timers
 * stay real), on the in-process limiter: a Redis window is Redis's own TTL.
 */
describe('limit windows end (in-process limiter, fake Date)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ TRUST_PROXY: '1', REDIS_URL: '', AUTH_SIGNUP_MAX_PER_ADDRESS: '1' });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    jest.useFakeTimers({
      now: Date.now(),
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
  });
  afterEach(() => jest.useRealTimers());

  it('failed logins: 429 until AUTH_LOGIN_WINDOW (15 min) has passed', async () => {
    const user = await signUp(t.http, {});
    const ip = newAddress();
    for (let i = 0; i < 10; i += 1) await loginFrom(t.http, ip, user.username, 'wrong password').expect(401);
    jest.setSystemTime(Date.now() + 14 * 60_000);
    expectTooMany(await loginFrom(t.http, ip, user.username, user.password));
    jest.setSystemTime(Date.now() + 61_000);
    await loginFrom(t.http, ip, user.username, user.password).expect(200);
  });

  it('sign-ups: 429 until AUTH_SIGNUP_WINDOW (1 h) has passed', async () => {
    const ip = newAddress();
    const body = (name: string) => ({ username: `${name}_${nextAddress}`, password: 'correct horse battery' });
    await t.http.post('/users').set('x-forwarded-for', ip).send(body('first')).expect(201);
    expectTooMany(await t.http.post('/users').set('x-forwarded-for', ip).send(body('second')));
    jest.setSystemTime(Date.now() + 59 * 60_000);
    expectTooMany(await t.http.post('/users').set('x-forwarded-for', ip).send(body('second')));
    jest.setSystemTime(Date.now() + 61_000);
    await t.http.post('/users').set('x-forwarded-for', ip).send(body('second')).expect(201);
  });
});
