import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailOutboxService } from '../src/mail';
import { freePort, startApp, TestApp } from './support/app';
import { controlAppClock } from './support/clock';
import { createTestDatabase, TestDatabase } from './support/engines';
import { credentials } from './support/factories';
import { httpCall } from './support/http-client';
import { startServerProcess, ServerProcess } from './support/server-process';
import { linkToken, SmtpSink, SunkMail } from './support/smtp-sink';

/* The mail side of recovery: a mail server that is down, mail as files without SMTP, and the log. */
const PUBLIC_URL = 'https://auth.example.test';
const NEW_PASSWORD = 'a brand new password';
let counter = 0;
const newEmail = () => `Mailed${++counter}.${Date.now()}@Example.COM`;

async function flush(t: TestApp): Promise<void> {
  await t.app.get(MailOutboxService).deliverDue();
  await t.app.get(MailOutboxService).deliverDue();
}

describe('a mail server that is down', () => {
  let port: number;
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    port = await freePort();
    sink = new SmtpSink(port); // not started: the port refuses connections
    t = await startApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, AUTH_PUBLIC_URL: PUBLIC_URL });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('fails no request and loses no mail: it is sent once the server is back', async () => {
    const email = newEmail();
    await t.http
      .post('/users')
      .send({ ...credentials(), email })
      .expect(201);
    await flush(t);
    expect(sink.mails).toEqual([]);
    await sink.start();
    await flush(t);
    expect(sink.to(email.toLowerCase())).toEqual([]); // not due yet: it waits for its backoff
    controlAppClock(t.app).advance(60_000);
    try {
      await flush(t);
    } finally {
      jest.restoreAllMocks();
    }
    expect(sink.to(email.toLowerCase())).toHaveLength(1);
    expect(linkToken(sink.to(email.toLowerCase())[0], 'verify')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('without SMTP_URL', () => {
  let folder: string;
  let t: TestApp;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'recovery-'));
    t = await startApp({ DATABASE_URL: `sqlite:${join(folder, 'data', 'auth.sqlite')}`, SMTP_URL: '' });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('writes each mail as an .eml file (0600, folder 0700) under the data folder', async () => {
    const email = newEmail();
    await t.http
      .post('/users')
      .send({ ...credentials(), email })
      .expect(201);
    await flush(t);
    const mailFolder = join(folder, 'data', 'mail');
    const files = readdirSync(mailFolder);
    expect(files).toEqual([expect.stringMatching(/\.eml$/)]);
    expect(statSync(mailFolder).mode & 0o777).toBe(0o700);
    expect(statSync(join(mailFolder, files[0])).mode & 0o777).toBe(0o600);
    const eml = readFileSync(join(mailFolder, files[0]), 'utf8');
    expect(eml).toContain(email.toLowerCase());
    expect(eml.replace(/=\r?\n/g, '').replace(/=3D/g, '=')).toMatch(/\/account#verify=[A-Za-z0-9_-]{43}/);
  });
});

describe('the log of a recovery', () => {
  let sink: SmtpSink;
  let database: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    sink = await new SmtpSink(await freePort()).start();
    database = await createTestDatabase({ shared: true });
    server = await startServerProcess({ DATABASE_URL: database.url, LOG_LEVEL: 'info', SMTP_URL: sink.url, AUTH_PUBLIC_URL: PUBLIC_URL });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    await sink?.stop();
  });

  /** The mail process sends on its own, right after the request; bounded wait for it. */
  async function nextMailTo(address: string, count: number): Promise<SunkMail> {
    for (let i = 0; i < 100 && sink.to(address).length < count; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.to(address)).toHaveLength(count);
    return sink.to(address)[count - 1];
  }

  it('holds no address, token or link, and names each sent mail by kind and outbox id', async () => {
    const email = newEmail();
    const user = { ...credentials(), email };
    expect((await httpCall(server.url, 'POST', '/users', user)).status).toBe(201);
    const verifyToken = linkToken(await nextMailTo(email.toLowerCase(), 1), 'verify');
    const session = await httpCall(server.url, 'POST', '/auth', { username: user.username, password: user.password });
    const auth = { authorization: `Bearer ${session.body.token.accessToken}` };
    expect((await httpCall(server.url, 'POST', '/me/email/verify', { token: verifyToken }, auth)).status).toBe(204);
    expect((await httpCall(server.url, 'POST', '/password/forgot', { email })).status).toBe(202);
    const resetToken = linkToken(await nextMailTo(email.toLowerCase(), 2), 'reset');
    expect((await httpCall(server.url, 'POST', '/password/reset', { token: resetToken, newPassword: NEW_PASSWORD })).status).toBe(204);
    expect((await httpCall(server.url, 'POST', '/password/reset', { token: resetToken, newPassword: NEW_PASSWORD })).status).toBe(400);

    await server.waitForOutput((output) => output.split('"mail sent"').length > 2);
    const output = server.output();
    for (const secret of [
      email,
      email.toLowerCase(),
      email.split('@')[0].toLowerCase(),
      verifyToken,
      resetToken,
      '#reset=',
      '#verify=',
      NEW_PASSWORD,
    ]) {
      expect(output).not.toContain(secret);
    }
    const sent = output
      .split('\n')
      .filter((line) => line.includes('"mail sent"'))
      .map((line) => JSON.parse(line));
    expect(sent).toEqual([
      expect.objectContaining({ kind: 'verify_email', outboxId: expect.any(String) }),
      expect.objectContaining({ kind: 'password_reset', outboxId: expect.any(String) }),
    ]);
  });
});
