import { EventEmitter2 } from '@nestjs/event-emitter';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MailOutboxService } from '../src/mail';
import { freePort, startApp, TestApp } from './support/app';
import { controlAppClock } from './support/clock';
import { bearer, credentials, login, Session, signUp } from './support/factories';
import { linkToken, SmtpSink } from './support/smtp-sink';

const PUBLIC_URL = 'https://auth.example.test';
const NEW_PASSWORD = 'a brand new password';
let counter = 0;
const newEmail = () => `Person${++counter}.${Date.now()}@Example.COM`;

/** Sends whatever the outbox holds that is due; twice, so a run already under way cannot hide a new entry. */
async function flush(t: TestApp): Promise<void> {
  await t.app.get(MailOutboxService).deliverDue();
  await t.app.get(MailOutboxService).deliverDue();
}

describe('account recovery through a real SMTP server', () => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await new SmtpSink(await freePort()).start();
    t = await startApp({ SMTP_URL: sink.url, AUTH_PUBLIC_URL: PUBLIC_URL, AUTH_RECOVERY_MAX_PER_ADDRESS: '1000000' });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const forgot = (email: unknown) => t.http.post('/password/forgot').send({ email });
  const reset = (token: unknown, newPassword: unknown = NEW_PASSWORD) => t.http.post('/password/reset').send({ token, newPassword });

  /** The last mail to the address, after the outbox has run. */
  async function lastMailTo(address: string) {
    await flush(t);
    const mails = sink.to(address.toLowerCase());
    expect(mails.length).toBeGreaterThan(0);
    return mails[mails.length - 1];
  }

  /** A user whose email is verified through the mailed link, logged in on one permanent client. */
  async function verifiedUser() {
    const email = newEmail();
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    await t.http.put('/me/email').set(bearer(session)).send({ email }).expect(204);
    const token = linkToken(await lastMailTo(email), 'verify');
    await t.http.post('/me/email/verify').set(bearer(session)).send({ token }).expect(204);
    return { user, session, email: email.toLowerCase() };
  }

  it('takes an email at sign-up, mails a link to verify it, and the verified address resets the password', async () => {
    const email = newEmail();
    const user = { ...credentials(), email };
    await t.http.post('/users').send(user).expect(201);
    const verifyMail = await lastMailTo(email);
    expect(verifyMail.decoded).toContain(`${PUBLIC_URL}/account#verify=`);
    const session = await login(t.http, user);
    const pending = await t.http.get('/me/email').set(bearer(session)).expect(200);
    expect(pending.body).toEqual({ email: email.toLowerCase(), verified: false });
    await t.http
      .post('/me/email/verify')
      .set(bearer(session))
      .send({ token: linkToken(verifyMail, 'verify') })
      .expect(204);
    expect((await t.http.get('/me/email').set(bearer(session)).expect(200)).body).toEqual({ email: email.toLowerCase(), verified: true });

    const other = await login(t.http, user, false);
    await forgot(email).expect(202);
    const resetMail = await lastMailTo(email);
    expect(resetMail.decoded).toMatch(/Content-Type: text\/plain/i);
    expect(resetMail.decoded).toMatch(/Content-Type: text\/html/i);
    expect(resetMail.decoded).toContain(`${PUBLIC_URL}/account#reset=`);
    expect(resetMail.decoded).not.toMatch(/[?&]token=/);
    await reset(linkToken(resetMail, 'reset')).expect(204);

    await login(t.http, { ...user, password: NEW_PASSWORD });
    await t.http.post('/auth').send({ username: user.username, password: user.password }).expect(401);
    for (const old of [session, other]) {
      const me = await t.http.get('/me').set(bearer(old)).expect(401);
      expect(me.body.reason).toBe('revoked');
    }
    await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(401);
  });

  it('ends every client with reason password_reset and emits user.password_changed (reason reset)', async () => {
    const { user, session, email } = await verifiedUser();
    const events: unknown[] = [];
    const listener = (event: unknown) => events.push(event);
    t.app.get(EventEmitter2).on('user.password_changed', listener);
    try {
      await forgot(email).expect(202);
      await reset(linkToken(await lastMailTo(email), 'reset')).expect(204);
    } finally {
      t.app.get(EventEmitter2).off('user.password_changed', listener);
    }
    expect(events).toEqual([expect.objectContaining({ userId: user.id, data: expect.objectContaining({ reason: 'reset' }) })]);
    const fresh = await login(t.http, { ...user, password: NEW_PASSWORD });
    const { body } = await t.http.get('/clients?include=ended').set(bearer(fresh)).expect(200);
    expect(body).toContainEqual(expect.objectContaining({ id: session.clientId, endReason: 'password_reset' }));
  });

  it('answers a known and an unknown address alike, with the same database work, over many tries', async () => {
    // Several accounts, so the per-address limit (5) is not what answers.
    const known: string[] = [];
    for (let i = 0; i < 4; i++) known.push((await verifiedUser()).email);
    const outbox = t.app.get(MailOutboxService);
    // The mail is sent off the request path; here only the request's own work is compared.
    const deliver = jest.spyOn(outbox, 'deliverDue').mockResolvedValue(0);
    const runner = t.app.get(DataSource).createQueryRunner();
    const query = jest.spyOn(Object.getPrototypeOf(runner), 'query');
    try {
      const statements = { known: new Set<string>(), unknown: new Set<string>() };
      const bodies = { known: new Set<string>(), unknown: new Set<string>() };
      const attempt = async (kind: 'known' | 'unknown', address: string) => {
        query.mockClear();
        const response = await forgot(address);
        bodies[kind].add(`${response.status} ${JSON.stringify(response.body)}`);
        statements[kind].add(query.mock.calls.map(([sql]) => String(sql)).join('\n'));
      };
      for (let i = 0; i < 12; i++) {
        await attempt('known', known[i % known.length]);
        await attempt('unknown', `nobody${i}.${Date.now()}@example.com`);
      }
      expect([...bodies.known]).toEqual([...bodies.unknown]);
      expect([...bodies.known]).toEqual([expect.stringMatching(/^202 /)]);
      expect([...statements.known]).toEqual([...statements.unknown]);
      expect([...statements.known][0]).toMatch(/INSERT INTO "?mail_outbox/);
    } finally {
      query.mockRestore();
      deliver.mockRestore();
      if (!t.app.get(DataSource).options.type.includes('sqlite')) await runner.release();
    }
  });

  it('mails nothing for an unknown or unverified address, and still answers 202', async () => {
    const unverified = newEmail();
    await t.http
      .post('/users')
      .send({ ...credentials(), email: unverified })
      .expect(201);
    await forgot(unverified).expect(202);
    await forgot('nobody.at.all@example.com').expect(202);
    await flush(t);
    expect(sink.to(unverified.toLowerCase()).filter((mail) => mail.decoded.includes('#reset='))).toEqual([]);
    expect(sink.to('nobody.at.all@example.com')).toEqual([]);
  });

  it('a reset link works once', async () => {
    const { email } = await verifiedUser();
    await forgot(email).expect(202);
    const token = linkToken(await lastMailTo(email), 'reset');
    // At rest only its SHA-256: a database dump holds no usable link.
    const stored = JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM recovery_tokens'));
    expect(stored).not.toContain(token);
    expect(stored).toContain(createHash('sha256').update(token).digest('hex'));
    await reset(token).expect(204);
    const again = await reset(token, 'yet another password').expect(400);
    expect(again.body).toMatchObject({ statusCode: 400, error: 'Bad Request', reason: 'invalid_token' });
  });

  it('only the newest link works: a second forgot supersedes the first', async () => {
    const { email } = await verifiedUser();
    await forgot(email).expect(202);
    const first = linkToken(await lastMailTo(email), 'reset');
    await forgot(email).expect(202);
    const second = linkToken(await lastMailTo(email), 'reset');
    expect(second).not.toBe(first);
    expect((await reset(first).expect(400)).body.reason).toBe('invalid_token');
    await reset(second).expect(204);
  });

  it('a link works until AUTH_RESET_TTL (30 min) has passed, and not after', async () => {
    // Two links mailed at the same moment: a reset spends its link, so each side of the TTL needs its own.
    const [early, late] = [await verifiedUser(), await verifiedUser()];
    const clock = controlAppClock(t.app);
    try {
      await forgot(early.email).expect(202);
      await forgot(late.email).expect(202);
      const [earlyToken, lateToken] = [linkToken(await lastMailTo(early.email), 'reset'), linkToken(await lastMailTo(late.email), 'reset')];
      clock.advance(30 * 60_000 - 1000);
      await reset(earlyToken).expect(204);
      clock.advance(2000);
      expect((await reset(lateToken).expect(400)).body.reason).toBe('invalid_token');
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('refuses unknown and malformed tokens and bad bodies with a clear 400', async () => {
    expect((await reset('x'.repeat(43)).expect(400)).body.reason).toBe('invalid_token');
    expect((await reset('not a token').expect(400)).body.reason).toBe('invalid_token');
    await reset(undefined).expect(400);
    await reset(42).expect(400);
    await reset('x'.repeat(43), 'short').expect(400);
    await t.http
      .post('/password/reset')
      .send({ token: 'x'.repeat(43), newPassword: NEW_PASSWORD, extra: 1 })
      .expect(400);
    await forgot('not an address').expect(400);
    await forgot(undefined).expect(400);
    await t.http.post('/password/forgot').send({ email: 'a@example.com', username: 'x' }).expect(400);
  });

  it('throttles forgot per address (the email), known or not, with 429', async () => {
    const address = `throttled.${Date.now()}@example.com`;
    for (let i = 0; i < 5; i++) await forgot(address).expect(202);
    const refused = await forgot(address).expect(429);
    expect(refused.headers['retry-after']).toBeDefined();
  });

  it('changing the email mails the old address, which stays the recovery address until the new one is verified', async () => {
    const { session, email } = await verifiedUser();
    const next = newEmail();
    const before = sink.to(email).length;
    await t.http.put('/me/email').set(bearer(session)).send({ email: next }).expect(204);
    const notice = await lastMailTo(email);
    expect(sink.to(email).length).toBe(before + 1);
    expect(notice.decoded).not.toContain('#reset=');
    expect(notice.decoded).not.toContain(next.toLowerCase());
    await forgot(email).expect(202);
    expect((await lastMailTo(email)).decoded).toContain('#reset=');
  });

  it('a verification link works only for its own account and only once', async () => {
    const a = await signUp(t.http);
    const b = await signUp(t.http);
    const [sa, sb]: Session[] = [await login(t.http, a), await login(t.http, b)];
    const email = newEmail();
    await t.http.put('/me/email').set(bearer(sa)).send({ email }).expect(204);
    const token = linkToken(await lastMailTo(email), 'verify');
    expect((await t.http.post('/me/email/verify').set(bearer(sb)).send({ token }).expect(400)).body.reason).toBe('invalid_token');
    await t.http.post('/me/email/verify').send({ token }).expect(401);
    // Another account's attempt did not spend it (issue 24 item 8); the owner's use does.
    await t.http.post('/me/email/verify').set(bearer(sa)).send({ token }).expect(204);
    expect((await t.http.post('/me/email/verify').set(bearer(sa)).send({ token }).expect(400)).body.reason).toBe('invalid_token');
  });

  it('setting the verified address again keeps it verified and mails nothing', async () => {
    const { session, email } = await verifiedUser();
    const before = sink.mails.length;
    await t.http
      .put('/me/email')
      .set(bearer(session))
      .send({ email: ` ${email.toUpperCase()} ` })
      .expect(204);
    await flush(t);
    expect(sink.mails.length).toBe(before);
    expect((await t.http.get('/me/email').set(bearer(session)).expect(200)).body).toEqual({ email, verified: true });
  });

  it('one verified account per address: a second account that verifies it gets 409', async () => {
    const { email } = await verifiedUser();
    const other = await signUp(t.http);
    const session = await login(t.http, other);
    await t.http.put('/me/email').set(bearer(session)).send({ email: email.toUpperCase() }).expect(204);
    const token = linkToken(await lastMailTo(email), 'verify');
    const conflict = await t.http.post('/me/email/verify').set(bearer(session)).send({ token }).expect(409);
    expect(conflict.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
  });
});

describe('the per-address recovery limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ AUTH_RECOVERY_MAX_PER_ADDRESS: '3' });
  });
  afterAll(() => t?.close());

  it('counts forgot and reset requests of one client address, whatever the email', async () => {
    await t.http.post('/password/forgot').send({ email: 'one@example.com' }).expect(202);
    await t.http.post('/password/forgot').send({ email: 'two@example.com' }).expect(202);
    await t.http
      .post('/password/reset')
      .send({ token: 'x'.repeat(43), newPassword: NEW_PASSWORD })
      .expect(400);
    await t.http.post('/password/forgot').send({ email: 'three@example.com' }).expect(429);
    await t.http
      .post('/password/reset')
      .send({ token: 'x'.repeat(43), newPassword: NEW_PASSWORD })
      .expect(429);
  });
});
