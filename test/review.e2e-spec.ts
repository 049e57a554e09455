import { Logger } from '@nestjs/common';
import request from 'supertest';
import { QueryFailedError } from 'typeorm';
import { UsersService } from '../src/users/users.service';
import { ListeningApp, startApp, startListeningApp, TestApp } from './support/app';
import { login, signUp, TestUser } from './support/factories';

/*
 * Release review after the merge of issue 12's branches with cookie mode: rules that two branches each
 * kept alone, checked together. Each case forges what the other branch's route would let through.
 */
const COOKIE = { 'x-session-transport': 'cookie' };
const EVIL_ORIGIN = 'http://evil.example.test';

function cookiesOf(response: request.Response): Record<string, string> {
  const lines = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  return Object.fromEntries(lines.map((line) => line.split(';')[0].split('=') as [string, string]).filter(([, value]) => value));
}

describe('review: merged rules hold together', () => {
  let t: ListeningApp;
  const http = () => request(t.url);

  beforeAll(async () => {
    t = await startListeningApp({ AUTH_COOKIE_SECURE: 'false', AUTH_OAUTH_PASSWORD_GRANT: 'true', AUTH_INTROSPECTION_SECRET: 'i'.repeat(32) });
  });
  afterAll(() => t.close());

  async function cookieLogin(user: TestUser) {
    const response = await http().post('/auth?permanent=true').set(COOKIE).send({ username: user.username, password: user.password }).expect(200);
    const cookies = cookiesOf(response);
    return {
      cookies,
      header: Object.entries(cookies)
        .map(([name, value]) => `${name}=${value}`)
        .join('; '),
    };
  }

  it('POST /me/password by the access cookie needs the CSRF header and our Origin; the password stays', async () => {
    const user = await signUp(t.http);
    const jar = await cookieLogin(user);
    const change = { currentPassword: user.password, newPassword: 'a brand new password' };
    const plain = await http().post('/me/password').set('cookie', jar.header).send(change).expect(403);
    expect(plain.body).toMatchObject({ statusCode: 403, reason: 'csrf' });
    await http().post('/me/password').set(COOKIE).set('origin', EVIL_ORIGIN).set('cookie', jar.header).send(change).expect(403);
    await login(t.http, user); // the old password still works
    await http().post('/me/password').set(COOKIE).set('cookie', jar.header).send(change).expect(204);
  });

  it('the device cookie and the access token never stand in for each other', async () => {
    const user = await signUp(t.http);
    const { cookies } = await cookieLogin(user);
    const device = cookies.ra_device;
    const access = cookies['access-token'];
    expect(device).toBeDefined();
    await http().get('/me').set('cookie', `access-token=${device}`).expect(401);
    await http().get('/me').set('authorization', `Bearer ${device}`).expect(401);
    await http().post('/oauth/revoke').type('form').send({ token: device }).expect(200);
    await http().get('/me').set('cookie', `access-token=${access}`).expect(200); // the revoke above ended nothing
    const introspected = await http()
      .post('/oauth/introspect')
      .auth('introspection', 'i'.repeat(32))
      .type('form')
      .send({ token: device })
      .expect(200);
    expect(introspected.body).toEqual({ active: false });
  });

  it('the OAuth password grant keeps the username rule of POST /auth (Kelvin sign) and the length rules', async () => {
    const user = await signUp(t.http, { username: `k${Date.now()}` });
    const kelvin = `\u212A${user.username.slice(1)}`;
    await http().post('/auth').send({ username: kelvin, password: user.password }).expect(401);
    const grant = await http()
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'password', username: kelvin, password: user.password })
      .expect(400);
    expect(grant.body.error).toBe('invalid_grant');
    const long = await http()
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'password', username: user.username, password: 'x'.repeat(129) })
      .expect(400);
    expect(long.body.error).toBe('invalid_request');
  });

  it('malformed input on every route is a 4xx with an error body, never a 500', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const bearer = { authorization: `Bearer ${session.accessToken}` };
    const values: unknown[] = [null, 1, true, [], ['a'], {}, 'a\u0000b', 'x'.repeat(20_000), '\ud800', '\u212Aelvin', "' OR 1=1 --"];
    const routes: [string, string[], Record<string, string>][] = [
      ['/users', ['username', 'password'], {}],
      ['/auth?permanent=true', ['username', 'password'], {}],
      ['/token', ['refreshToken'], {}],
      ['/token/reject', ['refreshToken'], {}],
      ['/me/password', ['currentPassword', 'newPassword'], bearer],
      ['/oauth/token', ['grant_type', 'refresh_token', 'username', 'password'], {}],
      ['/oauth/revoke', ['token'], {}],
      ['/oauth/introspect', ['token'], bearer],
    ];
    const base: Record<string, unknown> = {
      username: 'someone',
      password: 'password123',
      currentPassword: 'wrong password',
      newPassword: 'password456',
      grant_type: 'password',
      refreshToken: 'a.b',
      token: 'a.b',
      refresh_token: 'a.b',
    };
    const failures: string[] = [];
    const check = (what: string, response: request.Response) => {
      const body = response.body as Record<string, unknown>;
      if (response.status < 400 || response.status >= 500 || !(body.statusCode || body.error)) failures.push(`${what} -> ${response.status}`);
    };
    for (const [path, fields, headers] of routes) {
      for (const field of fields) {
        for (const value of values) {
          const body = { ...Object.fromEntries(fields.map((f) => [f, base[f]])), [field]: value };
          const response = await http().post(path).set(headers).send(body);
          if (response.status >= 400) check(`${path} ${field}=${JSON.stringify(value).slice(0, 20)}`, response);
        }
      }
      for (const raw of ['null', '[]', '"x"', '{', '{"__proto__":{"a":1}}']) {
        check(`${path} ${raw}`, await http().post(path).set(headers).set('content-type', 'application/json').send(raw));
      }
    }
    for (const path of ['/clients?limit=0', '/clients?limit=abc', '/clients?cursor=abc', '/clients?cursor=%00', '/clients?limit=1&limit=2']) {
      check(path, await http().get(path).set(bearer));
    }
    for (const id of ['abc', '%00', '00000000-0000-0000-0000-000000000000', 'x'.repeat(2000)]) {
      check(`DELETE /clients/${id.slice(0, 10)}`, await http().delete(`/clients/${id}`).set(bearer));
    }
    for (const cookie of ['access-token=%ZZ', `access-token=${'a'.repeat(9000)}`, 'access-token=a.b.c']) {
      check(`cookie ${cookie.slice(0, 20)}`, await http().get('/me').set('cookie', cookie));
    }
    expect(failures).toEqual([]);
    await http().get('/me').set(bearer).expect(200);
  });
});

describe('review: device cookies cannot multiply the guesses at one username', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_COOKIE_SECURE: 'false', AUTH_LOGIN_MAX_FAILURES_PER_DEVICE: '2', AUTH_LOGIN_MAX_FAILURES_PER_USER: '4' });
  });
  afterAll(() => t.close());
  // Fresh requests, not the agent: each carries exactly the cookie it is given.
  const http = () => request(t.app.getHttpServer());

  it('cookies stockpiled while the password was known give no more checks than the per-username limit', async () => {
    const user = await signUp(t.http);
    const stash: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await http().post('/auth').send({ username: user.username, password: user.password }).expect(200);
      stash.push(`ra_device=${cookiesOf(response).ra_device}`);
    }
    // The owner notices and changes the password; the stash still passes as trusted devices.
    const session = await login(t.http, user);
    const newPassword = 'the owner took it back';
    await t.http
      .post('/me/password')
      .set('authorization', `Bearer ${session.accessToken}`)
      .send({ currentPassword: user.password, newPassword })
      .expect(204);
    expect(stash.every((pair) => /^ra_device=[\w-]+\.[\w-]+\.[\w-]+$/.test(pair))).toBe(true);
    const statuses: number[] = [];
    for (const device of stash) {
      for (let i = 0; i < 2; i += 1) {
        const guess = await http()
          .post('/auth')
          .set('cookie', device)
          .send({ username: user.username, password: `guess number ${statuses.length}` });
        statuses.push(guess.status);
      }
    }
    expect(statuses.filter((status) => status === 401).length).toBe(4);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(6);
  });
});

describe('review: the log line of an unexpected database error', () => {
  it('holds no statement parameters and no failing row: a password hash stays out of the log', async () => {
    const t = await startApp();
    try {
      const session = await login(t.http, await signUp(t.http));
      const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$REVIEWMARKERHASH';
      const driverError = Object.assign(new Error('new row for relation "users" violates check constraint'), {
        code: '23514',
        detail: `Failing row contains (id, someone, ${hash}).`,
      });
      const failure = new QueryFailedError('UPDATE users SET password_hash = $1 WHERE id = $2', [hash, 'id'], driverError);
      jest.spyOn(t.app.get(UsersService), 'profile').mockRejectedValueOnce(failure);
      const logged = jest.spyOn(Logger.prototype, 'error');
      await t.http.get('/me').set('authorization', `Bearer ${session.accessToken}`).set('x-request-id', 'review-500').expect(500);
      expect(logged).toHaveBeenCalledWith(expect.objectContaining({ requestId: 'review-500' }), expect.any(String));
      const [[entry]] = logged.mock.calls as unknown as [[{ err: Error & { code?: string } }]];
      expect(entry.err).toMatchObject({ message: expect.stringContaining('violates check constraint'), code: '23514' }); // for the operator
      expect(JSON.stringify(logged.mock.calls)).not.toContain('REVIEWMARKERHASH');
    } finally {
      jest.restoreAllMocks();
      await t.close();
    }
  });
});
