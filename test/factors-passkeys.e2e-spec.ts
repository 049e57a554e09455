import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import type { SessionEvent } from '../src/events';
import { AdminUsersService } from '../src/admin/admin-users.service';
import { MailOutboxService } from '../src/mail';
import { freePort, startApp, TestApp } from './support/app';
import { claimsOf } from './support/admin-helpers';
import { controlAppClock, ManualClock } from './support/clock';
import { bearer, login, Session, signUp, TestUser } from './support/factories';
import { SmtpSink } from './support/smtp-sink';
import { SoftAuthenticator } from './support/soft-authenticator';
import { enrolTotp } from './support/totp-app';

/*
 * Passkeys (API.md §11) against real WebAuthn responses: test/support/soft-authenticator.ts signs with
 * ES256 keys made here, so the server verifies real signatures, and each attack changes one thing.
 */
const PUBLIC_URL = 'https://auth.example.com';
const APP_ORIGIN = 'https://app.example.com';
const RP_ID = 'auth.example.com';
const MINUTE = 60_000;

describe('second factors: passkeys', () => {
  let t: TestApp;
  let clock: ManualClock;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await new SmtpSink(await freePort()).start();
    t = await startApp({ AUTH_PUBLIC_URL: PUBLIC_URL, CORS_ORIGINS: APP_ORIGIN, SMTP_URL: sink.url });
  });
  beforeEach(() => {
    clock = controlAppClock(t.app);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const asSession = (body: { token: { accessToken: string }; user: { clientId: string } }): Session => ({
    accessToken: body.token.accessToken,
    clientId: body.user.clientId,
  });

  /** Registers a passkey of `authenticator` for the session's user; the response body. */
  async function addPasskey(session: Session, authenticator: SoftAuthenticator, name?: string) {
    const options = await t.http.post('/me/passkeys/options').set(bearer(session)).expect(200);
    const credential = authenticator.create(options.body);
    return (
      await t.http
        .post('/me/passkeys')
        .set(bearer(session))
        .send({ credential, ...(name && { name }) })
        .expect(201)
    ).body;
  }

  async function passkeyUser(
    origin = PUBLIC_URL,
  ): Promise<{ user: TestUser; session: Session; authenticator: SoftAuthenticator; passkey: { id: string } }> {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const authenticator = new SoftAuthenticator(origin);
    return { user, session, authenticator, passkey: await addPasskey(session, authenticator, 'Laptop') };
  }

  const loginOptions = async () => (await t.http.post('/auth/passkey/options').expect(200)).body;
  const passkeyLogin = (credential: object, permanent = false) => t.http.post(`/auth/passkey?permanent=${permanent}`).send({ credential });

  it('registration: creation options require a resident key and user verification', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const options = (await t.http.post('/me/passkeys/options').set(bearer(session)).expect(200)).body;
    expect(options).toMatchObject({
      rp: { id: RP_ID },
      user: { id: Buffer.from(user.id).toString('base64url'), name: user.username },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      attestation: 'none',
    });
    const created = (
      await t.http
        .post('/me/passkeys')
        .set(bearer(session))
        .send({ credential: new SoftAuthenticator(PUBLIC_URL).create(options), name: 'Phone' })
        .expect(201)
    ).body;
    expect(created).toEqual({ id: expect.any(String), name: 'Phone', createdAt: expect.any(String), recoveryCodes: expect.any(Array) });
    expect(created.recoveryCodes).toHaveLength(10);
    const factors = (await t.http.get('/me/factors').set(bearer(session)).expect(200)).body;
    expect(factors).toEqual({
      totp: false,
      passkeys: [{ id: created.id, name: 'Phone', createdAt: created.createdAt, lastUsedAt: null, clients: [] }],
      recoveryCodesLeft: 10,
    });
  });

  it('registration refuses a wrong origin, a wrong rp id, no user verification, a replayed or foreign challenge', async () => {
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    const authenticator = new SoftAuthenticator(PUBLIC_URL);
    const attempt = async (tamper: Parameters<SoftAuthenticator['create']>[1]) => {
      const options = (await t.http.post('/me/passkeys/options').set(bearer(session)).expect(200)).body;
      return t.http
        .post('/me/passkeys')
        .set(bearer(session))
        .send({ credential: authenticator.create(options, tamper) });
    };
    for (const tamper of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { uv: false },
      { challenge: 'bm90LW91cnM' },
      { type: 'webauthn.get' },
    ]) {
      const response = await attempt(tamper);
      expect([response.status, response.body.reason]).toEqual([400, 'invalid_credential']);
    }
    // A challenge issued to another user is not this user's.
    const other = await login(t.http, await signUp(t.http));
    const foreign = (await t.http.post('/me/passkeys/options').set(bearer(other)).expect(200)).body;
    await t.http
      .post('/me/passkeys')
      .set(bearer(session))
      .send({ credential: authenticator.create({ ...foreign, user: { id: 'eA' } }) })
      .expect(400);
    // Replayed: the same response twice.
    const options = (await t.http.post('/me/passkeys/options').set(bearer(session)).expect(200)).body;
    const credential = authenticator.create(options);
    await t.http.post('/me/passkeys').set(bearer(session)).send({ credential }).expect(201);
    await t.http.post('/me/passkeys').set(bearer(session)).send({ credential }).expect(400);
    expect((await t.http.get('/me/factors').set(bearer(session))).body.passkeys).toHaveLength(1);
  });

  it('a passkey with user verification is a whole login, and GET /me/factors lists the client it signed in', async () => {
    const { user, session, authenticator, passkey } = await passkeyUser();
    const response = await passkeyLogin(authenticator.get(await loginOptions()), true).expect(200);
    expect(response.body).toEqual({
      token: expect.objectContaining({ accessToken: expect.any(String), refreshToken: expect.any(String) }),
      user: { id: user.id, username: user.username, clientId: expect.any(String) },
    });
    expect(claimsOf(response.body.token.accessToken).amr).toEqual(['hwk', 'user', 'mfa']);
    const listed = (await t.http.get('/me/factors').set(bearer(session)).expect(200)).body.passkeys;
    expect(listed).toEqual([expect.objectContaining({ id: passkey.id, lastUsedAt: expect.any(String), clients: [response.body.user.clientId] })]);
    // Once that client ends, it is no longer listed.
    await t.http
      .post('/auth/logout')
      .set(bearer(asSession(response.body)))
      .expect(204);
    expect((await t.http.get('/me/factors').set(bearer(session))).body.passkeys[0].clients).toEqual([]);
  });

  it('passwordless login refuses a wrong origin, a wrong rp id hash, a replayed challenge, no user verification', async () => {
    const { authenticator } = await passkeyUser();
    for (const tamper of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { uv: false },
      { challenge: 'bm90LW91cnM' },
      { type: 'webauthn.create' },
    ]) {
      const response = await passkeyLogin(authenticator.get(await loginOptions(), tamper));
      expect([response.status, response.body.reason]).toEqual([401, 'invalid_credentials']);
    }
    const credential = authenticator.get(await loginOptions());
    await passkeyLogin(credential).expect(200);
    await passkeyLogin(credential).expect(401); // the same challenge again
  });

  it('a disabled user gets 403 disabled from a passkey too', async () => {
    const { user, authenticator } = await passkeyUser();
    await t.app.get(AdminUsersService).change({ kind: 'cli' }, user.id, { disabled: true });
    const refused = await passkeyLogin(authenticator.get(await loginOptions())).expect(403);
    expect(refused.body.reason).toBe('disabled');
  });

  it('cookie mode: POST /auth/passkey sets the cookies as POST /auth does', async () => {
    const { authenticator } = await passkeyUser(APP_ORIGIN);
    const response = await t.http
      .post('/auth/passkey?permanent=true')
      .set({ 'x-session-transport': 'cookie', origin: APP_ORIGIN })
      .send({ credential: authenticator.get(await loginOptions()) })
      .expect(200);
    expect(response.body.token.accessToken).toBeUndefined();
    expect(response.body.token.refreshToken).toBeUndefined();
    const names = ([] as string[]).concat(response.headers['set-cookie'] ?? []).map((line) => line.split('=')[0]);
    expect(names.some((name) => name.endsWith('access-token'))).toBe(true);
    expect(names.some((name) => name.endsWith('refresh-token'))).toBe(true);
    // A page of another origin cannot log in in cookie mode.
    await t.http
      .post('/auth/passkey')
      .set({ 'x-session-transport': 'cookie', origin: 'https://evil.example' })
      .send({ credential: authenticator.get(await loginOptions()) })
      .expect(403);
  });

  it('an origin of CORS_ORIGINS is accepted', async () => {
    const { authenticator } = await passkeyUser(APP_ORIGIN);
    await passkeyLogin(authenticator.get(await loginOptions())).expect(200);
  });

  it('a challenge lives a few minutes', async () => {
    const { authenticator } = await passkeyUser();
    const options = await loginOptions();
    clock.advance(4 * MINUTE);
    await passkeyLogin(authenticator.get(options)).expect(401);
  });

  it("as a second factor: the login names the user's passkeys, and another user's passkey is refused", async () => {
    const { user, passkey, authenticator } = await passkeyUser();
    const mallory = await passkeyUser();
    const first = await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(403);
    expect(first.body.methods).toEqual(['passkey', 'recovery_code']);
    const mfaToken = first.body.mfaToken;
    const options = (await t.http.post('/auth/mfa/options').send({ mfaToken }).expect(200)).body;
    expect(options.allowCredentials).toEqual([expect.objectContaining({ id: authenticator.credentials[0].id.toString('base64url') })]);
    expect(options.userVerification).toBe('required');

    // Mallory's own passkey, on this login's challenge.
    const foreign = await t.http
      .post('/auth/mfa')
      .send({ mfaToken, method: 'passkey', credential: mallory.authenticator.get(options) })
      .expect(401);
    expect(foreign.body.reason).toBe('invalid_code');
    // A challenge from the passwordless login is not this login's.
    await t.http
      .post('/auth/mfa')
      .send({ mfaToken, method: 'passkey', credential: authenticator.get(await loginOptions()) })
      .expect(401);

    const again = (await t.http.post('/auth/mfa/options').send({ mfaToken }).expect(200)).body;
    const done = await t.http
      .post('/auth/mfa')
      .send({ mfaToken, method: 'passkey', credential: authenticator.get(again) })
      .expect(200);
    expect(claimsOf(done.body.token.accessToken).amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
    const listed = (
      await t.http
        .get('/me/factors')
        .set(bearer(asSession(done.body)))
        .expect(200)
    ).body.passkeys;
    expect(listed).toEqual([expect.objectContaining({ id: passkey.id, clients: [done.body.user.clientId] })]);
    await t.http.post('/auth/mfa/options').send({ mfaToken }).expect(401); // used
  });

  it("several passkeys per user, renamed; another user's is a 404", async () => {
    const { session, authenticator, passkey } = await passkeyUser();
    const second = await addPasskey(session, authenticator, 'Phone');
    expect(second.recoveryCodes).toBeUndefined(); // the user has codes already
    const renamed = await t.http.patch(`/me/passkeys/${passkey.id}`).set(bearer(session)).send({ name: 'Work laptop' }).expect(200);
    expect(renamed.body).toMatchObject({ id: passkey.id, name: 'Work laptop' });
    expect((await t.http.get('/me/factors').set(bearer(session))).body.passkeys.map((p: { name: string }) => p.name)).toEqual([
      'Work laptop',
      'Phone',
    ]);
    const other = await login(t.http, await signUp(t.http));
    await t.http.patch(`/me/passkeys/${passkey.id}`).set(bearer(other)).send({ name: 'Mine' }).expect(404);
    await t.http.delete(`/me/passkeys/${passkey.id}`).set(bearer(other)).expect(404);
    await t.http.delete('/me/passkeys/not-an-id').set(bearer(session)).expect(404);
    await t.http.patch(`/me/passkeys/${passkey.id}`).set(bearer(session)).send({ name: '' }).expect(400);
    await t.http.delete(`/me/passkeys/${passkey.id}?endSessions=maybe`).set(bearer(session)).expect(400);
  });

  it('removing a passkey with endSessions ends the clients it signed in; without, they live on', async () => {
    const { session, authenticator, passkey } = await passkeyUser();
    const kept = await addPasskey(session, authenticator, 'Phone');
    const viaFirst = asSession((await passkeyLogin(authenticator.get(await loginOptions(), {}, authenticator.credentials[0]))).body);
    const viaSecond = asSession((await passkeyLogin(authenticator.get(await loginOptions(), {}, authenticator.credentials[1]))).body);
    const events: SessionEvent[] = [];
    const listener = (event: SessionEvent) => void events.push(event);
    const emitter = t.app.get(EventEmitter2);
    emitter.on('session.ended', listener);
    emitter.on('user.factor_removed', listener);
    try {
      await t.http.delete(`/me/passkeys/${passkey.id}?endSessions=true`).set(bearer(session)).expect(204);
    } finally {
      emitter.off('session.ended', listener);
      emitter.off('user.factor_removed', listener);
    }
    await t.http.get('/me').set(bearer(viaFirst)).expect(401);
    await t.http.get('/me').set(bearer(viaSecond)).expect(200);
    await t.http.get('/me').set(bearer(session)).expect(200);
    expect(events).toEqual([
      expect.objectContaining({ type: 'session.ended', clientId: viaFirst.clientId, data: expect.objectContaining({ reason: 'factor_removed' }) }),
      expect.objectContaining({
        type: 'user.factor_removed',
        data: expect.objectContaining({ factor: 'passkey', passkeyId: passkey.id, endedClients: 1 }),
      }),
    ]);
    await t.http.delete(`/me/passkeys/${kept.id}`).set(bearer(session)).expect(204);
    await t.http.get('/me').set(bearer(viaSecond)).expect(200);
  });

  it('removing the last passkey voids the recovery codes; with TOTP left they stay', async () => {
    const { user, session, passkey } = await passkeyUser();
    await enrolTotp(t.http, session, clock);
    await t.http.delete(`/me/passkeys/${passkey.id}`).set(bearer(session)).expect(204);
    expect((await t.http.get('/me/factors').set(bearer(session))).body).toMatchObject({ totp: true, passkeys: [], recoveryCodesLeft: 10 });
    await t.http.delete('/me/totp').set(bearer(session)).expect(204);
    expect((await t.http.get('/me/factors').set(bearer(session))).body).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
    await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(200);
  });

  it('reauthenticate with a passkey, on a challenge of POST /auth/passkey/options', async () => {
    const { session, authenticator } = await passkeyUser();
    const other = await passkeyUser();
    clock.advance(11 * MINUTE);
    await t.http
      .post('/auth/reauthenticate')
      .set(bearer(session))
      .send({ method: 'passkey', credential: other.authenticator.get(await loginOptions()) })
      .expect(401);
    const done = await t.http
      .post('/auth/reauthenticate')
      .set(bearer(session))
      .send({ method: 'passkey', credential: authenticator.get(await loginOptions()) })
      .expect(200);
    const claims = claimsOf(done.body.token.accessToken);
    expect(claims.amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
    expect(claims.auth_time).toBe(Math.floor(clock.now() / 1000));
    await t.http
      .post('/me/passkeys/options')
      .set(bearer({ ...session, accessToken: done.body.token.accessToken }))
      .expect(200);
  });

  it('factor changes are events without secrets, and a notice is mailed to the verified address', async () => {
    const user = await signUp(t.http);
    const email = `factors.${Date.now()}@example.com`;
    await t.app.get(DataSource).query(`UPDATE users SET email = '${email}', email_verified_at = 1 WHERE id = '${user.id}'`);
    const session = await login(t.http, user);
    const events: SessionEvent[] = [];
    const listener = (event: SessionEvent) => void events.push(event);
    const emitter = t.app.get(EventEmitter2);
    emitter.on('user.factor_added', listener);
    const secrets: string[] = [];
    try {
      const { app, recoveryCodes } = await enrolTotp(t.http, session, clock);
      const created = await addPasskey(session, new SoftAuthenticator(PUBLIC_URL));
      secrets.push(app.secret, ...recoveryCodes, ...(created.recoveryCodes ?? []));
    } finally {
      emitter.off('user.factor_added', listener);
    }
    expect(events.map((e) => e.data)).toEqual([
      { factor: 'totp', by: { kind: 'user', userId: user.id, clientId: session.clientId } },
      { factor: 'passkey', passkeyId: expect.any(String), by: { kind: 'user', userId: user.id, clientId: session.clientId } },
    ]);
    for (const secret of secrets) expect(JSON.stringify(events)).not.toContain(secret);
    await t.app.get(MailOutboxService).deliverDue();
    await t.app.get(MailOutboxService).deliverDue();
    const mails = sink.to(email).map((mail) => /^Subject: (.*)$/m.exec(mail.decoded)?.[1]);
    expect(mails).toEqual(['A sign-in method was added to your account', 'A sign-in method was added to your account']);
    for (const secret of secrets) expect(JSON.stringify(sink.to(email))).not.toContain(secret);
  });

  it('malformed credentials are 400 or 401, never 500', async () => {
    const { session } = await passkeyUser();
    for (const credential of [
      {},
      { id: 5 },
      { id: 'x', response: { clientDataJSON: '!!!' } },
      { id: 'x'.repeat(5000), response: { clientDataJSON: 'e30' } },
    ]) {
      expect((await passkeyLogin(credential)).status).toBe(401);
      expect((await t.http.post('/me/passkeys').set(bearer(session)).send({ credential })).status).toBe(400);
    }
    await passkeyLogin('nope' as unknown as object).expect(400);
    await t.http.post('/auth/passkey').send({}).expect(400);
    await t.http.post('/auth/passkey?permanent=yes').send({ credential: {} }).expect(400);
  });
});

// An app of its own (passport's strategies are process-global: one app at a time).
describe('second factors: public WebAuthn routes are limited per address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_REFRESH_MAX_PER_MINUTE: '3' });
  });
  afterAll(() => t?.close());

  it('each challenge is a row: past AUTH_REFRESH_MAX_PER_MINUTE an address gets 429', async () => {
    for (let i = 0; i < 3; i += 1) await t.http.post('/auth/passkey/options').expect(200);
    const refused = await t.http.post('/auth/passkey/options').expect(429);
    expect(refused.headers['retry-after']).toEqual(expect.any(String));
    await t.http.post('/auth/passkey').send({ credential: {} }).expect(429);
  });
});
