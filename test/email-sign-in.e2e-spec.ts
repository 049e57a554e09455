import { DataSource } from 'typeorm';
import { MailOutboxService } from '../src/mail';
import { freePort, startApp, TestApp } from './support/app';
import { controlAppClock } from './support/clock';
import { bearer, login, signUp } from './support/factories';
import { linkToken, SmtpSink, SunkMail } from './support/smtp-sink';
import { enrolTotp } from './support/totp-app';

/* Email sign-in (API.md §12) through a real SMTP server: enumeration, tries, reuse, expiry, limits. */
const PUBLIC_URL = 'https://auth.example.test';
let counter = 0;
const newEmail = () => `Signer${++counter}.${Date.now()}@Example.COM`;

async function flush(t: TestApp): Promise<void> {
  await t.app.get(MailOutboxService).deliverDue();
  await t.app.get(MailOutboxService).deliverDue();
}

const codeOf = (mail: SunkMail) => /type the code (\d{6})/.exec(mail.decoded)?.[1] ?? '';
const tokenOf = (mail: SunkMail) => {
  const matches = [...mail.decoded.matchAll(/\/account#token=([A-Za-z0-9_-]+)/g)];
  if (matches.length === 0) throw new Error('no #token= link in the mail');
  return matches[matches.length - 1][1];
};
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('email sign-in through a real SMTP server', () => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await new SmtpSink(await freePort()).start();
    t = await startApp({
      SMTP_URL: sink.url,
      AUTH_PUBLIC_URL: PUBLIC_URL,
      AUTH_RECOVERY_MAX_PER_ADDRESS: '1000000',
      AUTH_RECOVERY_MAX_PER_ACCOUNT: '1000',
      AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000',
      AUTH_LOGIN_MAX_FAILURES_PER_USER_ADDRESS: '1000000',
      AUTH_LOGIN_MAX_FAILURES_PER_USER: '1000000',
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  async function lastMailTo(address: string): Promise<SunkMail> {
    await flush(t);
    const mails = sink.to(address.toLowerCase());
    expect(mails.length).toBeGreaterThan(0);
    return mails[mails.length - 1];
  }

  async function verifiedUser() {
    const email = newEmail();
    const user = await signUp(t.http);
    const session = await login(t.http, user);
    await t.http.put('/me/email').set(bearer(session)).send({ email }).expect(204);
    const token = linkToken(await lastMailTo(email), 'verify');
    await t.http.post('/me/email/verify').set(bearer(session)).send({ token }).expect(204);
    return { user, session, email: email.toLowerCase() };
  }

  /** Asks for a sign-in mail and returns it. */
  async function signInMail(email: string): Promise<SunkMail> {
    const before = sink.to(email).length;
    await t.http.post('/auth/email').send({ email }).expect(202);
    await flush(t);
    expect(sink.to(email)).toHaveLength(before + 1);
    return sink.to(email)[before];
  }

  it('mails a verified address one link and one 6-digit code; the code signs in as POST /auth would', async () => {
    const { user, email } = await verifiedUser();
    const mail = await signInMail(email);
    expect(mail.decoded).toContain(`${PUBLIC_URL}/account#token=`);
    expect(codeOf(mail)).toMatch(/^\d{6}$/);
    const { body } = await t.http
      .post('/auth/email/verify?permanent=true')
      .send({ email, code: codeOf(mail) })
      .expect(200);
    expect(body).toEqual({
      token: expect.objectContaining({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer' }),
      user: { id: user.id, username: user.username, clientId: expect.any(String) },
    });
    await t.http.get('/me').set('authorization', `Bearer ${body.token.accessToken}`).expect(200);
  });

  it('the link signs in too, in cookie mode with cookies and no token in the body', async () => {
    const { email } = await verifiedUser();
    const token = tokenOf(await signInMail(email));
    const response = await t.http.post('/auth/email/verify').set('x-session-transport', 'cookie').send({ token }).expect(200);
    expect(response.body.token.accessToken).toBeUndefined();
    expect(String(response.headers['set-cookie'])).toMatch(/access-token=[^;]+;/);
  });

  it("a user's second factor still applies: the code answers mfa_required and opens no client until POST /auth/mfa", async () => {
    const { session, email } = await verifiedUser();
    const clock = controlAppClock(t.app);
    try {
      const { app } = await enrolTotp(t.http, session, clock);
      await flush(t); // the notice of the new factor
      const { body: before } = await t.http.get('/clients').set(bearer(session)).expect(200);
      const stopped = await t.http
        .post('/auth/email/verify')
        .send({ email, code: codeOf(await signInMail(email)) })
        .expect(403);
      expect(stopped.body).toMatchObject({ reason: 'mfa_required', mfaToken: expect.any(String), methods: ['totp', 'recovery_code'] });
      await t.http.get('/clients').set(bearer(session)).expect(200, before);
      const { body } = await t.http.post('/auth/mfa').send({ mfaToken: stopped.body.mfaToken, method: 'totp', code: app.nextStep() }).expect(200);
      await t.http.get('/me').set('authorization', `Bearer ${body.token.accessToken}`).expect(200);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('answers a known and an unknown address alike (status, body, database work) and mails only the verified one', async () => {
    const known: string[] = [];
    for (let i = 0; i < 3; i++) known.push((await verifiedUser()).email);
    const unverified = newEmail().toLowerCase();
    await signUp(t.http, { email: unverified } as never);
    await flush(t); // its verification mail, sent before the requests compared below
    const outbox = t.app.get(MailOutboxService);
    const deliver = jest.spyOn(outbox, 'deliverDue').mockResolvedValue(0);
    const runner = t.app.get(DataSource).createQueryRunner();
    const query = jest.spyOn(Object.getPrototypeOf(runner), 'query');
    const unknown: string[] = [];
    try {
      const statements = { known: new Set<string>(), unknown: new Set<string>() };
      const bodies = { known: new Set<string>(), unknown: new Set<string>() };
      const attempt = async (kind: 'known' | 'unknown', address: string) => {
        query.mockClear();
        const response = await t.http.post('/auth/email').send({ email: address });
        bodies[kind].add(`${response.status} ${JSON.stringify(response.body)}`);
        statements[kind].add(query.mock.calls.map(([sql]) => String(sql)).join('\n'));
      };
      for (let i = 0; i < 6; i++) {
        await attempt('known', known[i % known.length]);
        const nobody = i % 2 ? unverified : `nobody${i}.${Date.now()}@example.com`;
        unknown.push(nobody);
        await attempt('unknown', nobody);
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
    await flush(t);
    for (const address of known) expect(sink.to(address).length).toBeGreaterThan(1);
    for (const address of unknown) expect(sink.to(address).filter((mail) => mail.decoded.includes('#token='))).toEqual([]);
  });

  it('a code works once, and the link of the same mail dies with it', async () => {
    const { email } = await verifiedUser();
    const mail = await signInMail(email);
    await t.http
      .post('/auth/email/verify')
      .send({ email, code: codeOf(mail) })
      .expect(200);
    const again = await t.http
      .post('/auth/email/verify')
      .send({ email, code: codeOf(mail) })
      .expect(401);
    expect(again.body).toMatchObject({ statusCode: 401, reason: 'invalid_code' });
    await t.http
      .post('/auth/email/verify')
      .send({ token: tokenOf(mail) })
      .expect(401);
  });

  it('a link works once, however many requests race with it', async () => {
    const { email } = await verifiedUser();
    const token = tokenOf(await signInMail(email));
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => 0).map(() =>
        t.http
          .post('/auth/email/verify')
          .send({ token })
          .then((r) => r.status),
      ),
    );
    expect(statuses.sort()).toEqual([200, ...Array(9).fill(401)]);
  });

  it('a code dies after 5 tries, even the right one after them; racing guesses get no more than 5', async () => {
    const { email } = await verifiedUser();
    const code = codeOf(await signInMail(email));
    const guesses = await Promise.all(Array.from({ length: 8 }, () => t.http.post('/auth/email/verify').send({ email, code: wrong(code) })));
    expect(guesses.map((r) => r.status)).toEqual(Array(8).fill(401));
    await t.http.post('/auth/email/verify').send({ email, code }).expect(401);
    // Four wrong tries leave the fifth for the right code.
    const next = codeOf(await signInMail(email));
    for (let i = 0; i < 4; i++)
      await t.http
        .post('/auth/email/verify')
        .send({ email, code: wrong(next) })
        .expect(401);
    await t.http.post('/auth/email/verify').send({ email, code: next }).expect(200);
  });

  it('lives 10 minutes (the injected clock), and only the newest mail works', async () => {
    const { email } = await verifiedUser();
    const first = await signInMail(email);
    const second = await signInMail(email);
    await t.http
      .post('/auth/email/verify')
      .send({ email, code: codeOf(first) })
      .expect(401);
    await t.http
      .post('/auth/email/verify')
      .send({ token: tokenOf(first) })
      .expect(401);
    const clock = controlAppClock(t.app);
    try {
      clock.advance(10 * 60_000 + 1);
      await t.http
        .post('/auth/email/verify')
        .send({ email, code: codeOf(second) })
        .expect(401);
      await t.http
        .post('/auth/email/verify')
        .send({ token: tokenOf(second) })
        .expect(401);
      const third = await signInMail(email);
      clock.advance(9 * 60_000);
      await t.http
        .post('/auth/email/verify')
        .send({ token: tokenOf(third) })
        .expect(200);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('a pending change of address keeps the verified address and its sign-in mail working', async () => {
    const { session, email } = await verifiedUser();
    const mail = await signInMail(email);
    await t.http.put('/me/email').set(bearer(session)).send({ email: newEmail() }).expect(204);
    // Still pending: the verified address stays, and so does its sign-in.
    await t.http
      .post('/auth/email/verify')
      .send({ email, code: codeOf(mail) })
      .expect(200);
  });

  it('refuses bad bodies with a 400 and never a 500', async () => {
    const verify = (body: unknown) => t.http.post('/auth/email/verify').send(body as object);
    await verify({}).expect(400);
    await verify({ email: 'a@example.com' }).expect(400);
    await verify({ email: 'a@example.com', code: '12345' }).expect(400);
    await verify({ email: 'a@example.com', code: '123456', token: 'x' }).expect(400);
    await verify({ token: 42 }).expect(400);
    await verify({ token: 'not-a-token' }).expect(401);
    await verify({ email: 'nobody@example.com', code: '123456' }).expect(401);
    await t.http.post('/auth/email/verify?permanent=yes').send({ token: 'x' }).expect(400);
    await t.http.post('/auth/email').send({ email: 'not an address' }).expect(400);
  });
});

describe('email sign-in limits', () => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await new SmtpSink(await freePort()).start();
    t = await startApp({
      SMTP_URL: sink.url,
      AUTH_RECOVERY_MAX_PER_ADDRESS: '1000000',
      AUTH_RECOVERY_MAX_PER_ACCOUNT: '3',
      AUTH_LOGIN_MAX_FAILURES_PER_USER_ADDRESS: '6',
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('limits the mails per address, known or not, with 429', async () => {
    const email = `limited.${Date.now()}@example.com`;
    for (let i = 0; i < 3; i++) await t.http.post('/auth/email').send({ email }).expect(202);
    const refused = await t.http.post('/auth/email').send({ email }).expect(429);
    expect(refused.headers['retry-after']).toBeDefined();
  });

  it('counts wrong codes as failed logins: past the login limit, 429 before any code is compared', async () => {
    const email = `guessed.${Date.now()}@example.com`;
    for (let i = 0; i < 6; i++) await t.http.post('/auth/email/verify').send({ email, code: '000000' }).expect(401);
    await t.http.post('/auth/email/verify').send({ email, code: '000000' }).expect(429);
  });
});
