import { MailOutboxService } from '../src/mail';
import { freePort, startApp, TestApp } from './support/app';
import { bearer, login, signUp } from './support/factories';
import { linkToken, SmtpSink } from './support/smtp-sink';

/*
 * Issue 24 item 8: a verify link is checked against the signed-in account before it is spent, so
 * another account's attempt cannot burn the owner's link; and a link still works once only.
 */
describe('email verification links and their owner', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let counter = 0;
  beforeAll(async () => {
    sink = await new SmtpSink(await freePort()).start();
    t = await startApp({ SMTP_URL: sink.url });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  /** A signed-in user who asked for a new address, and the token of the link mailed to it. */
  async function pendingVerification() {
    const email = `owner${++counter}.${Date.now()}@example.com`;
    const session = await login(t.http, await signUp(t.http));
    await t.http.put('/me/email').set(bearer(session)).send({ email }).expect(204);
    await t.app.get(MailOutboxService).deliverDue();
    await t.app.get(MailOutboxService).deliverDue();
    const mails = sink.to(email);
    return { session, email, token: linkToken(mails[mails.length - 1], 'verify') };
  }

  const verify = (session: Parameters<typeof bearer>[0], token: string) => t.http.post('/me/email/verify').set(bearer(session)).send({ token });

  it("another account's attempt is refused and does not spend the link: the owner verifies with it afterwards", async () => {
    const owner = await pendingVerification();
    const other = await login(t.http, await signUp(t.http));
    expect((await verify(other, owner.token).expect(400)).body).toMatchObject({ statusCode: 400, reason: 'invalid_token' });
    await verify(owner.session, owner.token).expect(204);
    expect((await t.http.get('/me/email').set(bearer(owner.session)).expect(200)).body).toEqual({ email: owner.email, verified: true });
    // And the other account did not get the address.
    expect((await t.http.get('/me/email').set(bearer(other)).expect(200)).body).toEqual({ email: null, verified: false });
  });

  it('a link is refused once the owner has used it', async () => {
    const owner = await pendingVerification();
    await verify(owner.session, owner.token).expect(204);
    expect((await verify(owner.session, owner.token).expect(400)).body.reason).toBe('invalid_token');
    const other = await login(t.http, await signUp(t.http));
    expect((await verify(other, owner.token).expect(400)).body.reason).toBe('invalid_token');
  });
});
