import { Controller, Get, Module } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { RequireMfa, Roles } from '../src/auth';
import type { SessionEvent } from '../src/events';
import { startApp, TestApp } from './support/app';
import { claimsOf, userWithRoles } from './support/admin-helpers';
import { controlAppClock, ManualClock } from './support/clock';
import { bearer, login, Session, signUp, TestUser } from './support/factories';
import { enrolTotp, TotpApp } from './support/totp-app';

/*
 * TOTP, recovery codes and the second step of a login (API.md §11). Time rules move the injected
 * clock; codes are computed by the test from the secret, as an authenticator app would.
 */
const MINUTE = 60_000;

@Controller('mfa-feature')
class MfaFeatureController {
  @RequireMfa() @Get('strict') strict() {
    return { ok: true };
  }
  @Roles('auditor') @Get('auditors') auditors() {
    return { ok: true };
  }
}

@Module({ controllers: [MfaFeatureController] })
class MfaFeatureModule {}

describe('second factors: TOTP and recovery codes', () => {
  let t: TestApp;
  let clock: ManualClock;
  beforeAll(async () => {
    t = await startApp({ AUTH_MFA_REQUIRED_ROLES: 'auditor', AUTH_COOKIE_SECURE: 'false', AUTH_OAUTH_PASSWORD_GRANT: 'true' }, [MfaFeatureModule]);
  });
  beforeEach(() => {
    clock = controlAppClock(t.app);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => t?.close());

  const passwordLogin = (user: TestUser, permanent = false) =>
    t.http.post(`/auth?permanent=${permanent}`).send({ username: user.username, password: user.password });
  const finish = (body: object, headers: Record<string, string> = {}) => t.http.post('/auth/mfa').set(headers).send(body);

  /** A user with TOTP on, and the session that enrolled it. */
  async function totpUser(): Promise<{ user: TestUser; session: Session; app: TotpApp; recoveryCodes: string[] }> {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const { app, recoveryCodes } = await enrolTotp(t.http, session, clock);
    return { user, session, app, recoveryCodes };
  }

  async function mfaTokenOf(user: TestUser, permanent = false): Promise<string> {
    const response = await passwordLogin(user, permanent).expect(403);
    return response.body.mfaToken as string;
  }

  it('enrolment: a pending secret, confirmed by a first code, brings ten recovery codes once', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const begun = await t.http.post('/me/totp').set(bearer(session)).expect(200);
    expect(begun.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(begun.body.otpauthUri).toMatch(new RegExp(`^otpauth://totp/[^:]+:${user.username}\\?.*secret=${begun.body.secret}`));
    // Pending: no factor yet, the password alone still logs in.
    expect((await t.http.get('/me/factors').set(bearer(session)).expect(200)).body).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
    await passwordLogin(user).expect(200);

    const app = new TotpApp(begun.body.secret, clock);
    const wrong = await t.http
      .post('/me/totp/confirm')
      .set(bearer(session))
      .send({ code: app.code(3) })
      .expect(400);
    expect(wrong.body.reason).toBe('invalid_code');
    await t.http.post('/me/totp/confirm').set(bearer(session)).send({ code: 'abcdef' }).expect(400);
    const confirmed = await t.http.post('/me/totp/confirm').set(bearer(session)).send({ code: app.code() }).expect(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);
    expect((await t.http.get('/me/factors').set(bearer(session)).expect(200)).body).toEqual({ totp: true, passkeys: [], recoveryCodesLeft: 10 });
    // On: a second enrolment is refused until it is removed.
    await t.http.post('/me/totp').set(bearer(session)).expect(409);
  });

  it('adding or removing a factor needs recent authentication', async () => {
    const { session } = await totpUser();
    clock.advance(11 * MINUTE);
    for (const call of [t.http.post('/me/totp'), t.http.delete('/me/totp'), t.http.post('/me/recovery-codes'), t.http.post('/me/passkeys/options')]) {
      const response = await call.set(bearer(session));
      expect(response.status).toBe(401);
      expect(response.body.reason).toBe('reauthentication_required');
    }
    // Reading them needs none.
    await t.http.get('/me/factors').set(bearer(session)).expect(200);
  });

  it('the TOTP secret is encrypted at rest, bound to its user', async () => {
    const { user, app } = await totpUser();
    const [row] = await t.app.get(DataSource).query('SELECT secret FROM totp_factors WHERE user_id = $1'.replace('$1', "'" + user.id + "'"));
    expect(row.secret).toMatch(/^enc:v1:/);
    expect(row.secret).not.toContain(app.secret);
  });

  it('a right password answers mfa_required with a single-use mfaToken, and no client is made', async () => {
    const { user, session, app } = await totpUser();
    const clientsBefore = (await t.http.get('/clients').set(bearer(session)).expect(200)).body.length;
    const response = await passwordLogin(user).expect(403);
    expect(response.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: expect.any(String),
      reason: 'mfa_required',
      mfaToken: expect.stringMatching(/^[\w-]{43}$/),
      methods: ['totp', 'recovery_code'],
      expiresIn: 300,
    });
    expect(response.headers['set-cookie']).toBeUndefined();
    expect((await t.http.get('/clients').set(bearer(session)).expect(200)).body).toHaveLength(clientsBefore);
    // A wrong password is still the plain 401: the mfaToken is only for whoever knows the password.
    await t.http.post('/auth').send({ username: user.username, password: 'wrong password!' }).expect(401);

    const done = await finish({ mfaToken: response.body.mfaToken, method: 'totp', code: app.nextStep() }).expect(200);
    expect(done.body).toEqual({
      token: { accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: expect.any(Number) },
      user: { id: user.id, username: user.username, clientId: expect.any(String) },
    });
    const claims = claimsOf(done.body.token.accessToken);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.auth_time).toBe(Math.floor(clock.now() / 1000));
    await t.http
      .get('/me')
      .set(bearer({ accessToken: done.body.token.accessToken, clientId: '' }))
      .expect(200);
    // Single use: the same mfaToken, even with a fresh code, finishes nothing more.
    const again = await finish({ mfaToken: response.body.mfaToken, method: 'totp', code: app.nextStep() }).expect(401);
    expect(again.body.reason).toBe('invalid_mfa_token');
  });

  it('each code is accepted once, and an older one never after a newer one', async () => {
    const { user, app } = await totpUser();
    // The confirmation spent the current step's code.
    const spent = await finish({ mfaToken: await mfaTokenOf(user), method: 'totp', code: app.code() }).expect(401);
    expect(spent.body.reason).toBe('invalid_code');
    const code = app.nextStep();
    await finish({ mfaToken: await mfaTokenOf(user), method: 'totp', code }).expect(200);
    await finish({ mfaToken: await mfaTokenOf(user), method: 'totp', code }).expect(401);
    // The previous step is within the window but older than the last used one.
    clock.advance(30_000);
    await finish({ mfaToken: await mfaTokenOf(user), method: 'totp', code: app.code(-2) }).expect(401);
  });

  it('two logins racing with one code: exactly one wins', async () => {
    const { user, app } = await totpUser();
    const code = app.nextStep();
    const [a, b] = await Promise.all([mfaTokenOf(user), mfaTokenOf(user)]);
    const results = await Promise.all([finish({ mfaToken: a, method: 'totp', code }), finish({ mfaToken: b, method: 'totp', code })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('a code one step early or late is accepted; two steps off is not', async () => {
    const { user, app } = await totpUser();
    clock.advance(5 * 30_000);
    await finish({ mfaToken: await mfaTokenOf(user), method: 'totp', code: app.code(2) }).expect(401);
    await finish({ mfaToken: await mfaTokenOf(user), method: 'totp', code: app.code(-1) }).expect(200);
    await finish({ mfaToken: await mfaTokenOf(user), method: 'totp', code: app.code(1) }).expect(200);
  });

  it('the mfaToken lives five minutes', async () => {
    const { user, app } = await totpUser();
    const mfaToken = await mfaTokenOf(user);
    clock.advance(5 * MINUTE + 1000);
    const late = await finish({ mfaToken, method: 'totp', code: app.code() }).expect(401);
    expect(late.body.reason).toBe('invalid_mfa_token');
  });

  it('the mfaToken dies at its fifth wrong code', async () => {
    const { user, app } = await totpUser();
    const mfaToken = await mfaTokenOf(user);
    const wrong = app.code(5);
    for (let left = 4; left >= 0; left -= 1) {
      const response = await finish({ mfaToken, method: 'totp', code: wrong }).expect(401);
      expect(response.body).toMatchObject({ reason: 'invalid_code', triesLeft: left });
    }
    const after = await finish({ mfaToken, method: 'totp', code: app.nextStep() }).expect(401);
    expect(after.body.reason).toBe('invalid_mfa_token');
  });

  it('a password changed after the mfaToken was issued: the login it started fails', async () => {
    const { user, session, app } = await totpUser();
    const mfaToken = await mfaTokenOf(user);
    await t.http.post('/me/password').set(bearer(session)).send({ currentPassword: user.password, newPassword: 'another long password' }).expect(204);
    await finish({ mfaToken, method: 'totp', code: app.nextStep() }).expect(401);
  });

  it('the mfaToken remembers permanent', async () => {
    const { user, app } = await totpUser();
    const done = await finish({ mfaToken: await mfaTokenOf(user, true), method: 'totp', code: app.nextStep() }).expect(200);
    expect(done.body.token.refreshToken).toEqual(expect.any(String));
    await t.http.post('/token').send({ refreshToken: done.body.token.refreshToken }).expect(201);
    const transient = await finish({ mfaToken: await mfaTokenOf(user, false), method: 'totp', code: app.nextStep() }).expect(200);
    expect(transient.body.token.refreshToken).toBeUndefined();
  });

  it('a refresh keeps amr and auth_time', async () => {
    const { user, app } = await totpUser();
    const done = await finish({ mfaToken: await mfaTokenOf(user, true), method: 'totp', code: app.nextStep() }).expect(200);
    clock.advance(MINUTE);
    const refreshed = await t.http.post('/token').send({ refreshToken: done.body.token.refreshToken }).expect(201);
    expect(claimsOf(refreshed.body.token.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claimsOf(refreshed.body.token.accessToken).auth_time).toBe(claimsOf(done.body.token.accessToken).auth_time);
  });

  it('cookie mode: POST /auth/mfa sets the cookies as POST /auth does', async () => {
    const { user, app } = await totpUser();
    const cookie = { 'x-session-transport': 'cookie' };
    const first = await t.http.post('/auth?permanent=true').set(cookie).send({ username: user.username, password: user.password }).expect(403);
    const done = await finish({ mfaToken: first.body.mfaToken, method: 'totp', code: app.nextStep() }, cookie).expect(200);
    expect(done.body.token.accessToken).toBeUndefined();
    expect(done.body.token.refreshToken).toBeUndefined();
    const names = ([] as string[]).concat(done.headers['set-cookie'] ?? []).map((line) => line.split('=')[0]);
    expect(names).toEqual(expect.arrayContaining(['access-token', 'refresh-token']));
  });

  it('recovery codes: each works once, and the user is told', async () => {
    const { user, session, recoveryCodes } = await totpUser();
    const events: SessionEvent[] = [];
    const listener = (event: SessionEvent) => void events.push(event);
    t.app.get(EventEmitter2).on('user.recovery_codes_used', listener);
    try {
      const typed = recoveryCodes[0].toUpperCase().replace(/-/g, ' ');
      const done = await finish({ mfaToken: await mfaTokenOf(user), method: 'recovery_code', code: typed }).expect(200);
      expect(claimsOf(done.body.token.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
      await finish({ mfaToken: await mfaTokenOf(user), method: 'recovery_code', code: recoveryCodes[0] }).expect(401);
      expect((await t.http.get('/me/factors').set(bearer(session)).expect(200)).body.recoveryCodesLeft).toBe(9);
      expect(events).toEqual([expect.objectContaining({ type: 'user.recovery_codes_used', userId: user.id, data: { left: 9 } })]);
    } finally {
      t.app.get(EventEmitter2).off('user.recovery_codes_used', listener);
    }
  });

  it('two logins racing with one recovery code: exactly one wins', async () => {
    const { user, recoveryCodes } = await totpUser();
    const [a, b] = await Promise.all([mfaTokenOf(user), mfaTokenOf(user)]);
    const results = await Promise.all([
      finish({ mfaToken: a, method: 'recovery_code', code: recoveryCodes[1] }),
      finish({ mfaToken: b, method: 'recovery_code', code: recoveryCodes[1] }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('new recovery codes replace the old ones, shown once', async () => {
    const { user, session, recoveryCodes } = await totpUser();
    const fresh = await t.http.post('/me/recovery-codes').set(bearer(session)).expect(200);
    expect(fresh.body.recoveryCodes).toHaveLength(10);
    await finish({ mfaToken: await mfaTokenOf(user), method: 'recovery_code', code: recoveryCodes[2] }).expect(401);
    await finish({ mfaToken: await mfaTokenOf(user), method: 'recovery_code', code: fresh.body.recoveryCodes[0] }).expect(200);
    expect(JSON.stringify((await t.http.get('/me/factors').set(bearer(session))).body)).not.toContain(fresh.body.recoveryCodes[1]);
  });

  it('removing the last factor voids the recovery codes and the password alone logs in again', async () => {
    const { user, session, recoveryCodes } = await totpUser();
    await t.http.delete('/me/totp').set(bearer(session)).expect(204);
    expect((await t.http.get('/me/factors').set(bearer(session)).expect(200)).body).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
    const response = await passwordLogin(user).expect(200);
    expect(claimsOf(response.body.token.accessToken).amr).toEqual(['pwd']);
    await t.http.post('/me/recovery-codes').set(bearer(session)).expect(400);
    expect(recoveryCodes).toHaveLength(10);
  });

  it('the OAuth password grant answers mfa_required with an mfa_token that POST /auth/mfa finishes', async () => {
    const { user, app } = await totpUser();
    const response = await t.http
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'password', username: user.username, password: user.password })
      .expect(403);
    expect(response.body).toEqual({
      error: 'mfa_required',
      error_description: expect.any(String),
      mfa_token: expect.any(String),
      methods: ['totp', 'recovery_code'],
      expires_in: 300,
    });
    const done = await finish({ mfaToken: response.body.mfa_token, method: 'totp', code: app.nextStep() }).expect(200);
    expect(done.body.token.refreshToken).toEqual(expect.any(String));
  });

  it('reauthenticate takes a TOTP code: a new auth_time, and mfa joins amr', async () => {
    const { session, app } = await totpUser();
    expect(claimsOf(session.accessToken).amr).toEqual(['pwd']);
    clock.advance(11 * MINUTE);
    const wrong = await t.http
      .post('/auth/reauthenticate')
      .set(bearer(session))
      .send({ method: 'totp', code: app.code(5) })
      .expect(401);
    expect(wrong.body.reason).toBe('invalid_credentials');
    await t.http
      .post('/auth/reauthenticate')
      .set(bearer(session))
      .send({ method: 'totp', password: 'x'.repeat(8), code: app.code() })
      .expect(400);
    await t.http.post('/auth/reauthenticate').set(bearer(session)).send({ method: 'totp' }).expect(400);
    const done = await t.http.post('/auth/reauthenticate').set(bearer(session)).send({ method: 'totp', code: app.nextStep() }).expect(200);
    const claims = claimsOf(done.body.token.accessToken);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.auth_time).toBe(Math.floor(clock.now() / 1000));
    // The password still works as before.
    await t.http.post('/auth/reauthenticate').set(bearer(session)).send({ password: 'correct horse battery' }).expect(200);
  });

  it('@RequireMfa and AUTH_MFA_REQUIRED_ROLES: 403 mfa_required without mfa in amr', async () => {
    const { user, session, app } = await totpUser();
    const refused = await t.http.get('/mfa-feature/strict').set(bearer(session)).expect(403);
    expect(refused.body).toEqual({ statusCode: 403, error: 'Forbidden', message: expect.any(String), reason: 'mfa_required' });
    const done = await finish({ mfaToken: await mfaTokenOf(user), method: 'totp', code: app.nextStep() }).expect(200);
    const strong = { accessToken: done.body.token.accessToken, clientId: done.body.user.clientId };
    await t.http.get('/mfa-feature/strict').set(bearer(strong)).expect(200);

    const auditor = await userWithRoles(t, ['auditor']);
    expect((await t.http.get('/mfa-feature/auditors').set(bearer(auditor.session)).expect(403)).body.reason).toBe('mfa_required');
  });

  it("an admin resets a user's factors: audited, an event, and the password alone logs in again", async () => {
    const { user, session } = await totpUser();
    const admin = await userWithRoles(t, ['admin']);
    const events: SessionEvent[] = [];
    const listener = (event: SessionEvent) => void events.push(event);
    t.app.get(EventEmitter2).on('user.factor_removed', listener);
    try {
      await t.http.delete(`/admin/users/${user.id}/factors`).set(bearer(admin.session)).expect(204);
    } finally {
      t.app.get(EventEmitter2).off('user.factor_removed', listener);
    }
    expect(events).toEqual([
      expect.objectContaining({ userId: user.id, data: { factor: 'all', by: expect.objectContaining({ kind: 'admin', userId: admin.user.id }) } }),
    ]);
    await passwordLogin(user).expect(200);
    expect((await t.http.get('/me/factors').set(bearer(session)).expect(200)).body).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
    const audit = await t.http.get('/admin/audit').set(bearer(admin.session)).expect(200);
    // Other tests moved the clock ahead: look the action up rather than take the first.
    expect(audit.body.filter((event: { targetUserId: string }) => event.targetUserId === user.id)).toEqual([
      expect.objectContaining({ action: 'user.factors_reset', details: { totp: true, passkeys: 0, recoveryCodes: 10 } }),
    ]);
    await t.http.delete('/admin/users/00000000-0000-0000-0000-000000000000/factors').set(bearer(admin.session)).expect(404);
  });

  it('bad input to POST /auth/mfa is a 400, never a 500', async () => {
    await finish({}).expect(400);
    await finish({ mfaToken: 'x', method: 'sms', code: '123456' }).expect(400);
    await finish({ mfaToken: 'x', method: 'totp' }).expect(400);
    await finish({ mfaToken: 'x'.repeat(500), method: 'totp', code: '123456' }).expect(400);
    await finish({ mfaToken: 'unknown', method: 'totp', code: '123456' }).expect(401);
    await finish({ mfaToken: 'unknown', method: 'passkey', credential: { id: 'x', response: {} } }).expect(401);
  });
});

// An app of its own (passport's strategies are process-global: one app at a time).
describe('second factors: the login limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startApp({ AUTH_LOGIN_MAX_FAILURES_PER_USER_ADDRESS: '3' });
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => limited?.close());

  it('wrong codes count toward the login limits', async () => {
    const limitedClock = controlAppClock(limited.app);
    const user = await signUp(limited.http);
    const { app } = await enrolTotp(limited.http, await login(limited.http, user), limitedClock);
    const mfaToken = (await limited.http.post('/auth').send({ username: user.username, password: user.password }).expect(403)).body.mfaToken;
    for (let i = 0; i < 3; i += 1)
      await limited.http
        .post('/auth/mfa')
        .send({ mfaToken, method: 'totp', code: app.code(4) })
        .expect(401);
    const blocked = await limited.http.post('/auth/mfa').send({ mfaToken, method: 'totp', code: app.nextStep() });
    expect(blocked.status).toBe(429);
    // And the password logins of that user from that address with them.
    await limited.http.post('/auth').send({ username: user.username, password: user.password }).expect(429);
  });
});
