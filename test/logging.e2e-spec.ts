import { Logger } from '@nestjs/common';
import { UsersService } from '../src/users/users.service';
import { startApp } from './support/app';
import { createTestDatabase, TestDatabase } from './support/engines';
import { bearer, login, signUp } from './support/factories';
import { httpCall } from './support/http-client';
import { ServerProcess, startServerProcess } from './support/server-process';

describe('the request log', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    database = await createTestDatabase({ shared: true });
    server = await startServerProcess({ DATABASE_URL: database.url, LOG_LEVEL: 'info', AUTH_OAUTH_PASSWORD_GRANT: 'true' });
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    httpCall(server.url, method, path, body, headers);

  // Complete lines only: the last chunk may end mid-line.
  const lines = (output = server.output()) =>
    output
      .slice(0, output.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);

  /** Until the line of this request (the last one a test made) has reached standard output. */
  const logged = (requestId: string | null) => server.waitForOutput((output) => lines(output).some((line) => line.requestId === requestId));

  it('never holds a password or a token of a full login, refresh, reject and password-change flow', async () => {
    const password = 'secret password 1';
    const newPassword = 'secret password 2';
    const user = { username: `logged_${Date.now()}`, password };
    expect((await call('POST', '/users', user)).status).toBe(201);
    const login = await call('POST', '/auth?permanent=true', user, { authorization: 'Basic c2VjcmV0OnNlY3JldA==', cookie: 'session=cookie-secret' });
    const { accessToken, refreshToken } = login.body.token;
    const deviceCookie = /ra_device=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] as string;
    expect(deviceCookie).toBeDefined();
    const me = await call('GET', '/me', undefined, { authorization: `Bearer ${accessToken}` });
    expect(me.status).toBe(200);
    const refreshed = (await call('POST', '/token', { refreshToken })).body.token;
    await call('POST', '/token', { refreshToken: 'not-a-token-but-a-secret-shaped-string' });
    await call('POST', '/me/password', { currentPassword: password, newPassword }, { authorization: `Bearer ${refreshed.accessToken}` });
    const oauth = await call('POST', '/oauth/token', `grant_type=password&username=${user.username}&password=${encodeURIComponent(newPassword)}`);
    expect(oauth.status).toBe(200);
    await call('POST', '/oauth/revoke', `token=${oauth.body.refresh_token}`);
    const rejected = await call('POST', '/token/reject', { refreshToken: refreshed.refreshToken });
    await logged(rejected.headers.get('x-request-id'));

    const log = server.output();
    expect(lines().length).toBeGreaterThanOrEqual(9);
    for (const secret of [
      password,
      newPassword,
      encodeURIComponent(newPassword),
      accessToken,
      refreshToken,
      refreshed.accessToken,
      refreshed.refreshToken,
      oauth.body.access_token,
      oauth.body.refresh_token,
      refreshToken.split('.')[1],
      accessToken.split('.')[2],
      'c2VjcmV0OnNlY3JldA==',
      'cookie-secret',
      'not-a-token-but-a-secret-shaped-string',
      deviceCookie,
    ]) {
      expect(log).not.toContain(secret);
    }
  });

  it('writes one JSON line per request with id, path, status, duration, and the caller once known', async () => {
    const user = { username: `logged2_${Date.now()}`, password: 'correct horse battery' };
    await call('POST', '/users', user);
    const login = await call('POST', '/auth', user);
    const me = await call('GET', '/me?x=1', undefined, { authorization: `Bearer ${login.body.token.accessToken}`, 'x-request-id': 'trace-me-42' });
    expect(me.headers.get('x-request-id')).toBe('trace-me-42');
    const generated = await call('GET', '/health', undefined, { 'x-request-id': 'bad id with spaces' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await logged(generated.headers.get('x-request-id'));

    const line = lines().find((l) => l.requestId === 'trace-me-42');
    expect(line).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: expect.any(Number),
      hostname: expect.any(String),
      requestId: 'trace-me-42',
      method: 'GET',
      path: '/me',
      remoteAddress: '127.0.0.1',
      status: 200,
      responseTime: expect.any(Number),
      userId: me.body.id,
      clientId: me.body.clientId,
      msg: 'request completed',
    });
  });
});

describe('the log line of an unexpected error', () => {
  it('carries the request id, so a 500 can be matched to its request; the caller sees no detail', async () => {
    const t = await startApp();
    try {
      const session = await login(t.http, await signUp(t.http));
      const failure = new Error('boom: SELECT secret FROM somewhere');
      jest.spyOn(t.app.get(UsersService), 'profile').mockRejectedValueOnce(failure);
      const logged = jest.spyOn(Logger.prototype, 'error');
      const response = await t.http.get('/me').set(bearer(session)).set('x-request-id', 'trace-500').expect(500);
      expect(response.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
      expect(logged).toHaveBeenCalledWith(expect.objectContaining({ requestId: 'trace-500', err: failure }), expect.any(String));
    } finally {
      jest.restoreAllMocks();
      await t.close();
    }
  });
});
