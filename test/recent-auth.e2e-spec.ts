import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import request from 'supertest';
import { RecentAuth } from '../src/auth';
import { EnvError, loadEnv } from '../src/config/env';
import { MailOutboxService } from '../src/mail';
import { freePort, ListeningApp, startListeningApp, TestApp } from './support/app';
import { controlAppClock, ManualClock } from './support/clock';
import { bearer, login, Session, signUp, TestUser } from './support/factories';
import { linkToken, SmtpSink } from './support/smtp-sink';

/*
 * Recent authentication (API.md §11, issue 24 item 2): a stolen access token must not be enough to
 * move the recovery address and then reset the password. The clock is moved, never slept on.
 */
const COOKIE = { 'x-session-transport': 'cookie' };
const MINUTE = 60_000;
let counter = 0;
const newEmail = () => `recent${++counter}.${Date.now()}@example.com`;

/** The claims of a compact JWS, unverified (the server verified it; here we only read auth_time). */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/** A feature module's routes: the default max age, a number of seconds, a duration, and a whole controller. */
@Controller('sensitive')
class SensitiveController {
  @RecentAuth() @Post('default') @HttpCode(204) byDefault() {}
  @RecentAuth(60) @Post('minute') @HttpCode(204) withinAMinute() {}
  @RecentAuth('2m') @Get('two-minutes') withinTwoMinutes() {
    return { ok: true };
  }
  @Get('plain') plain() {
    return { ok: true };
  }
}

@RecentAuth(30)
@Controller('guarded-class')
class GuardedClassController {
  @Get() whole() {
    return { ok: true };
  }
}

@Module({ controllers: [SensitiveController, GuardedClassController] })
class SensitiveModule {}

/** The cookies a response set, by name (an empty value: cleared). */
function setCookies(response: request.Response): Record<string, string> {
  const lines = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  return Object.fromEntries(lines.map((line) => line.split('; ')[0].split(/=(.*)/s).slice(0, 2) as [string, string]));
}

describe('recent authentication', () => {
  let sink: SmtpSink;
  let t: ListeningApp;
  let clock: ManualClock;
  beforeAll(async () => {
    sink = await new SmtpSink(await freePort()).start();
    t = await startListeningApp(
      { SMTP_URL: sink.url, AUTH_COOKIE_SECURE: 'false', AUTH_LOGIN_MAX_FAILURES_PER_DEVICE: '3', AUTH_RECOVERY_MAX_PER_ADDRESS: '1000000' },
      [SensitiveModule],
    );
  });
  beforeEach(() => {
    clock = controlAppClock(t.app);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const reauthenticate = (session: Session, body: object) => t.http.post('/auth/reauthenticate').set(bearer(session)).send(body);
  const putEmail = (session: Session, email: string) => t.http.put('/me/email').set(bearer(session)).send({ email });

  async function flushMail(app: TestApp = t): Promise<void> {
    await app.app.get(MailOutboxService).deliverDue();
    await app.app.get(MailOutboxService).deliverDue();
  }

  async function lastMailTo(address: string) {
    await flushMail();
    const mails = sink.to(address);
    expect(mails.length).toBeGreaterThan(0);
    return mails[mails.length - 1];
  }

  /** A user with a verified email, signed in on a permanent client. */
  async function verifiedUser(): Promise<{ user: TestUser; session: Session; email: string }> {
    const email = newEmail();
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    await putEmail(session, email).expect(204);
    await t.http
      .post('/me/email/verify')
      .set(bearer(session))
      .send({ token: linkToken(await lastMailTo(email), 'verify') })
      .expect(204);
    return { user, session, email };
  }

  function expectReauthenticationRequired(response: request.Response, maxAge: number): void {
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.any(String),
      reason: 'reauthentication_required',
    });
    expect(response.headers['www-authenticate']).toBe(`Bearer error="insufficient_user_authentication", max_age=${maxAge}`);
  }

  it('a stolen access token older than AUTH_REAUTH_MAX_AGE cannot move the recovery address', async () => {
    const { session, email } = await verifiedUser();
    const before = sink.mails.length;
    clock.advance(10 * MINUTE + 1000);
    const attempt = 'attacker@example.com';
    expectReauthenticationRequired(await putEmail(session, attempt), 600);
    // Nothing changed, nothing was mailed: the old address still resets, the attacker's gets nothing.
    expect((await t.http.get('/me/email').set(bearer(session)).expect(200)).body).toEqual({ email, verified: true });
    await flushMail();
    expect(sink.mails.length).toBe(before);
    expect(sink.to(attempt)).toEqual([]);
  });

  it('access tokens carry auth_time: the login sets it, a refresh keeps it, reauthentication renews it', async () => {
    const user = await signUp(t.http);
    const loggedInAt = Math.floor(clock.now() / 1000);
    const session = await login(t.http, user);
    expect(claimsOf(session.accessToken).auth_time).toBeGreaterThanOrEqual(loggedInAt);
    const authTime = claimsOf(session.accessToken).auth_time as number;

    clock.advance(11 * MINUTE);
    const refreshed = await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
    expect(claimsOf(refreshed.body.token.accessToken).auth_time).toBe(authTime);
    const stale = { ...session, accessToken: refreshed.body.token.accessToken, refreshToken: refreshed.body.token.refreshToken };
    expectReauthenticationRequired(await putEmail(stale, newEmail()), 600);

    const renewedAt = Math.floor(clock.now() / 1000);
    const { body } = await reauthenticate(stale, { password: user.password }).expect(200);
    expect(body).toEqual({ token: { accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 } });
    const fresh = claimsOf(body.token.accessToken);
    expect(fresh).toMatchObject({ sid: session.clientId, sub: user.id });
    expect(fresh.auth_time).toBeGreaterThanOrEqual(renewedAt);

    // Stored on the client: the refresh token is unchanged and its next refresh keeps the new auth_time.
    const next = await t.http.post('/token').send({ refreshToken: stale.refreshToken }).expect(201);
    expect(claimsOf(next.body.token.accessToken).auth_time).toBe(fresh.auth_time);
    await putEmail({ ...stale, accessToken: next.body.token.accessToken }, newEmail()).expect(204);
    // The token from before the reauthentication still says the old auth_time.
    expectReauthenticationRequired(await putEmail(stale, newEmail()), 600);
  });

  it('a wrong password is 401 invalid_credentials and counts like a wrong current password of POST /me/password', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const wrong = await reauthenticate(session, { password: 'not the password' }).expect(401);
    expect(wrong.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', reason: 'invalid_credentials' });
    await t.http.post('/me/password').set(bearer(session)).send({ currentPassword: 'also wrong', newPassword: 'a new password' }).expect(403);
    await reauthenticate(session, { password: 'wrong again' }).expect(401);
    // AUTH_LOGIN_MAX_FAILURES_PER_DEVICE=3 for this client: now even the right password waits.
    const limited = await reauthenticate(session, { password: user.password }).expect(429);
    expect(limited.headers['retry-after']).toBeDefined();
    await t.http.post('/me/password').set(bearer(session)).send({ currentPassword: user.password, newPassword: 'a new password' }).expect(429);
    // The access token still works: a wrong password is not a logout.
    await t.http.get('/me').set(bearer(session)).expect(200);
  });

  it('takes only a password for now and refuses anything else with 400', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    for (const body of [
      {},
      { password: 42 },
      { password: '' },
      { password: 'x'.repeat(129) },
      { method: 'totp', password: user.password },
      { method: 'password', password: user.password, code: '123456' },
      { password: user.password, credential: {} },
      { password: user.password, username: user.username },
    ]) {
      const response = await reauthenticate(session, body);
      expect([response.status, response.body.statusCode]).toEqual([400, 400]);
    }
    await reauthenticate(session, { method: 'password', password: user.password }).expect(200);
    await t.http.post('/auth/reauthenticate').send({ password: user.password }).expect(401);
  });

  it('an ended client cannot reauthenticate', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    await t.http.post('/auth/logout').set(bearer(session)).expect(204);
    expect((await reauthenticate(session, { password: user.password }).expect(401)).body.reason).toBe('revoked');
  });

  it('@RecentAuth(maxAge) for feature routes: the route’s own max age, in seconds or as a duration, on a handler or a controller', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    await t.http.post('/sensitive/minute').set(bearer(session)).expect(204);
    clock.advance(61_000);
    expectReauthenticationRequired(await t.http.post('/sensitive/minute').set(bearer(session)), 60);
    await t.http.get('/sensitive/two-minutes').set(bearer(session)).expect(200);
    expectReauthenticationRequired(await t.http.get('/guarded-class').set(bearer(session)), 30);
    await t.http.post('/sensitive/default').set(bearer(session)).expect(204);
    clock.advance(MINUTE);
    expectReauthenticationRequired(await t.http.get('/sensitive/two-minutes').set(bearer(session)), 120);
    await t.http.get('/sensitive/plain').set(bearer(session)).expect(200);
    clock.advance(8 * MINUTE);
    expectReauthenticationRequired(await t.http.post('/sensitive/default').set(bearer(session)), 600);
    // Missing or invalid tokens are still the plain RFC 6750 401, not a reauthentication prompt.
    expect((await t.http.post('/sensitive/default')).headers['www-authenticate']).toBe('Bearer');
  });

  it('@RecentAuth refuses a malformed max age when the route is declared', () => {
    expect(() => RecentAuth('soon')).toThrow(TypeError);
    expect(() => RecentAuth(0)).toThrow(TypeError);
    expect(() => RecentAuth(-5)).toThrow(TypeError);
  });

  it('AUTH_REAUTH_MAX_AGE is a bounded duration', () => {
    expect(loadEnv({}).auth.reauthMaxAge).toBe(600);
    expect(loadEnv({ AUTH_REAUTH_MAX_AGE: '5m' }).auth.reauthMaxAge).toBe(300);
    for (const value of ['5s', '2d', 'soon', '-1']) {
      expect(() => loadEnv({ AUTH_REAUTH_MAX_AGE: value })).toThrow(EnvError);
      expect(() => loadEnv({ AUTH_REAUTH_MAX_AGE: value })).toThrow(/AUTH_REAUTH_MAX_AGE/);
    }
  });

  describe('in cookie mode', () => {
    const http = () => request(t.url);

    async function cookieLogin(user: TestUser) {
      const response = await http().post('/auth?permanent=true').set(COOKIE).send({ username: user.username, password: user.password }).expect(200);
      const cookies = setCookies(response);
      return { access: cookies['access-token'], refresh: cookies['refresh-token'] };
    }

    it('same-origin script that never sees a token is asked to reauthenticate, and a reauthentication sets only the access cookie', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      clock.advance(11 * MINUTE);
      const cookie = `access-token=${jar.access}`;
      expectReauthenticationRequired(await http().put('/me/email').set(COOKIE).set('cookie', cookie).send({ email: newEmail() }), 600);

      const response = await http().post('/auth/reauthenticate').set(COOKIE).set('cookie', cookie).send({ password: user.password }).expect(200);
      expect(response.body).toEqual({ token: { tokenType: 'Bearer', expiresIn: 900 } });
      const cookies = setCookies(response);
      // The refresh cookie is neither replaced nor cleared: the client keeps its refresh token.
      expect(Object.keys(cookies)).toEqual(['access-token']);
      expect(cookies['access-token']).not.toBe(jar.access);
      await http().put('/me/email').set(COOKIE).set('cookie', `access-token=${cookies['access-token']}`).send({ email: newEmail() }).expect(204);
      await http().post('/token').set(COOKIE).set('cookie', `refresh-token=${jar.refresh}`).expect(201);
    });

    it('keeps the CSRF rule: without X-Session-Transport or from another origin, 403 and nothing changes', async () => {
      const user = await signUp(t.http);
      const jar = await cookieLogin(user);
      const cookie = `access-token=${jar.access}`;
      const forged = await http().post('/auth/reauthenticate').set('cookie', cookie).send({ password: 'guess one' }).expect(403);
      expect(forged.body.reason).toBe('csrf');
      await http()
        .post('/auth/reauthenticate')
        .set(COOKIE)
        .set('origin', 'http://evil.example.test')
        .set('cookie', cookie)
        .send({ password: user.password })
        .expect(403);
      // The forged attempts were refused before the password check: the per-client failure budget (3) is whole.
      for (let i = 0; i < 2; i++) await http().post('/auth/reauthenticate').set(COOKIE).set('cookie', cookie).send({ password: 'wrong' }).expect(401);
      await http().post('/auth/reauthenticate').set(COOKIE).set('cookie', cookie).send({ password: user.password }).expect(200);
    });
  });

  describe('changing the email', () => {
    const forgot = (email: string) => t.http.post('/password/forgot').send({ email }).expect(202);
    const resetLinksTo = (address: string) => sink.to(address).filter((mail) => mail.decoded.includes('#reset='));

    it('keeps the verified address for recovery until the new one is verified, and tells it without a link', async () => {
      const { session, email } = await verifiedUser();
      const next = newEmail();
      await putEmail(session, next).expect(204);
      const notice = await lastMailTo(email);
      expect(notice.decoded).toContain('change of your account email was requested');
      expect(notice.decoded).not.toMatch(/#(reset|verify)=/);
      expect(notice.decoded).not.toContain(next);
      expect((await t.http.get('/me/email').set(bearer(session)).expect(200)).body).toEqual({ email, verified: true, pendingEmail: next });

      // Meanwhile the old address resets the password; the new one does not.
      await forgot(email);
      await forgot(next);
      await flushMail();
      expect(resetLinksTo(email)).toHaveLength(1);
      expect(resetLinksTo(next)).toHaveLength(0);

      await t.http
        .post('/me/email/verify')
        .set(bearer(session))
        .send({ token: linkToken(await lastMailTo(next), 'verify') })
        .expect(204);
      expect((await t.http.get('/me/email').set(bearer(session)).expect(200)).body).toEqual({ email: next, verified: true });
      await forgot(email);
      await forgot(next);
      await flushMail();
      expect(resetLinksTo(email)).toHaveLength(1);
      expect(resetLinksTo(next)).toHaveLength(1);
    });

    it('setting the verified address again drops the pending one, whose link then fails', async () => {
      const { session, email } = await verifiedUser();
      const next = newEmail();
      await putEmail(session, next).expect(204);
      const token = linkToken(await lastMailTo(next), 'verify');
      await putEmail(session, email).expect(204);
      expect((await t.http.get('/me/email').set(bearer(session)).expect(200)).body).toEqual({ email, verified: true });
      expect((await t.http.post('/me/email/verify').set(bearer(session)).send({ token }).expect(400)).body.reason).toBe('invalid_token');
    });
  });
});
