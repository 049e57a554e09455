import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { Clock } from '../src/common/clock';
import { loadEnv } from '../src/config/env';
import { SessionEventsService } from '../src/events';
import { WebhookDeliveryService } from '../src/events/webhooks/webhook-delivery.service';
import { WebhookOutboxRepository } from '../src/events/webhooks/webhook-outbox.repository';
import { freePort, startApp, TestApp } from './support/app';
import { controlAppClock } from './support/clock';
import { bearer, credentials, login, signUp } from './support/factories';
import { startReceiver, webhookSecret, WebhookReceiver } from './support/webhooks-receiver';

interface OutboxRow {
  event_id: string;
  type: string;
  payload: string;
  attempts: number;
  next_attempt_at: string | number;
  delivered_at: string | number | null;
  failed_at: string | number | null;
  last_error: string | null;
}

const rows = (t: TestApp) => t.app.get(DataSource).query<OutboxRow[]>('SELECT * FROM webhook_outbox ORDER BY created_at');
const deliver = (t: TestApp) => t.app.get(WebhookDeliveryService).run();
const SLOW_POLL = { AUTH_WEBHOOK_POLL_INTERVAL: '1m' }; // the tests run the worker themselves

describe('webhooks: session events to other services', () => {
  const secret = webhookSecret();
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  it('sends every event signed as Standard Webhooks, verified by the standardwebhooks package', async () => {
    const t = await startApp({ AUTH_WEBHOOK_URLS: receiver.url, AUTH_WEBHOOK_SECRET: secret, ...SLOW_POLL });
    try {
      const user = await signUp(t.http);
      // Stored before the request answered.
      expect((await rows(t)).map((row) => row.type)).toEqual(['user.created']);
      const session = await login(t.http, user);
      const { body } = await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
      await t.http
        .post('/auth/logout')
        .set(bearer({ ...session, accessToken: body.token.accessToken }))
        .expect(204);
      await deliver(t);
      await receiver.waitFor((received) => received.length === 4);
      const verifier = new Webhook(secret);
      const events = receiver.received.map(({ headers, body: raw }) => verifier.verify(raw, headers) as { id: string; type: string });
      expect(events.map((event) => event.type).sort()).toEqual(['session.created', 'session.ended', 'session.refreshed', 'user.created']);
      for (const [index, event] of events.entries()) expect(receiver.received[index].headers['webhook-id']).toBe(event.id);
      const everything = receiver.received.map((r) => r.body).join('\n');
      for (const secretText of [user.password, session.refreshToken!, session.accessToken, body.token.refreshToken, secret]) {
        expect(everything).not.toContain(secretText);
      }
      // Our signature covers each part a receiver relies on (src/events/webhooks/webhook-signature.spec.ts has the rest):
      // the body, the id a receiver deduplicates on, and the time it checks for replays, which is the app's clock.
      const [first] = receiver.received;
      expect(Number(first.headers['webhook-timestamp'])).toBeCloseTo(Math.floor(t.app.get(Clock).now() / 1000), -1);
      for (const tampered of [
        { ...first, body: first.body.replace('"', ' "') },
        { ...first, headers: { ...first.headers, 'webhook-id': receiver.received[1].headers['webhook-id'] } },
        { ...first, headers: { ...first.headers, 'webhook-timestamp': String(Number(first.headers['webhook-timestamp']) - 1) } },
      ]) {
        expect(() => verifier.verify(tampered.body, tampered.headers)).toThrow('No matching signature found');
      }
      expect(() => new Webhook(webhookSecret()).verify(first.body, first.headers)).toThrow('No matching signature found');
    } finally {
      await t.close();
    }
  });

  it('the request answers only once its event is in the outbox', async () => {
    const t = await startApp({ AUTH_WEBHOOK_URLS: receiver.url, AUTH_WEBHOOK_SECRET: secret, ...SLOW_POLL });
    try {
      const outbox = t.app.get(WebhookOutboxRepository);
      const insert = outbox.insert.bind(outbox);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const held = jest.spyOn(outbox, 'insert').mockImplementation(async (...args) => {
        await gate;
        return insert(...args);
      });
      let answered = false;
      const response = t.http
        .post('/users')
        .send(credentials())
        .then((r) => ((answered = true), r));
      while (held.mock.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      // The user is stored; only the outbox insert is held. A later request's answer is the sync point, not
      // a sleep: had the sign-up answered without waiting for the insert, its answer would already be here.
      await t.http.get('/health').expect(200);
      expect(answered).toBe(false);
      release();
      expect((await response).status).toBe(201);
      expect((await rows(t)).map((row) => row.type)).toEqual(['user.created']);
    } finally {
      await t.close();
    }
  });

  it('a receiver that is down delays delivery and loses nothing; retries back off', async () => {
    const port = await freePort();
    await receiver.close();
    const t = await startApp({ AUTH_WEBHOOK_URLS: `http://127.0.0.1:${port}/hooks`, AUTH_WEBHOOK_SECRET: secret, ...SLOW_POLL });
    const clock = controlAppClock(t.app);
    try {
      const user = await signUp(t.http);
      await login(t.http, user);
      await login(t.http, user, false);
      await deliver(t);
      let stored = await rows(t);
      expect(stored).toHaveLength(3);
      const waits: number[] = [];
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        const pending = (await rows(t)).filter((row) => row.attempts < attempt);
        if (pending.length) await deliver(t);
        stored = await rows(t);
        expect(stored.map((row) => [row.attempts, row.delivered_at, row.last_error])).toEqual(stored.map(() => [attempt, null, 'ECONNREFUSED']));
        const wait = Number(stored[0].next_attempt_at) - clock.now();
        waits.push(wait);
        // Not due before its time.
        await deliver(t);
        expect((await rows(t)).every((row) => row.attempts === attempt)).toBe(true);
        clock.advance(Math.max(...stored.map((row) => Number(row.next_attempt_at))) - clock.now() + 1);
      }
      // Exponential: each wait about twice the one before (jitter takes up to a quarter off).
      for (let i = 1; i < waits.length; i += 1) expect(waits[i]).toBeGreaterThan(waits[i - 1] * 1.4);
      receiver = await startReceiver(port);
      await deliver(t);
      expect(receiver.received.map((r) => JSON.parse(r.body).type).sort()).toEqual(['session.created', 'session.created', 'user.created']);
      expect(new Set(receiver.counts().values())).toEqual(new Set([1]));
      expect((await rows(t)).every((row) => row.delivered_at !== null)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('gives up after AUTH_WEBHOOK_MAX_AGE and prunes finished rows after the retention', async () => {
    receiver.answer(503);
    const t = await startApp({
      AUTH_WEBHOOK_URLS: receiver.url,
      AUTH_WEBHOOK_SECRET: secret,
      AUTH_WEBHOOK_MAX_AGE: '1h',
      AUTH_WEBHOOK_RETENTION: '1d',
      ...SLOW_POLL,
    });
    const clock = controlAppClock(t.app);
    try {
      await signUp(t.http);
      await deliver(t);
      expect((await rows(t))[0]).toMatchObject({ attempts: 1, last_error: 'HTTP 503', failed_at: null });
      for (let i = 0; i < 20 && (await rows(t))[0].failed_at === null; i += 1) {
        clock.advance(Number((await rows(t))[0].next_attempt_at) - clock.now() + 1);
        await deliver(t);
      }
      const [failed] = await rows(t);
      expect(failed.failed_at).not.toBeNull();
      expect(Number(failed.failed_at) - clock.now()).toBeLessThanOrEqual(0);
      const attempts = failed.attempts;
      clock.advance(60 * 60_000);
      await deliver(t);
      expect((await rows(t))[0].attempts).toBe(attempts); // never again

      receiver.answer(204);
      await signUp(t.http);
      await deliver(t);
      expect((await rows(t)).filter((row) => row.delivered_at !== null)).toHaveLength(1);
      clock.advance(25 * 60 * 60_000);
      await signUp(t.http); // a fresh one stays
      await deliver(t);
      expect((await rows(t)).map((row) => row.type)).toEqual(['user.created']);
    } finally {
      await t.close();
    }
  });

  it('reports the backlog on /health without failing it for a receiver that is down', async () => {
    receiver.answer(500);
    const t = await startApp({ AUTH_WEBHOOK_URLS: receiver.url, AUTH_WEBHOOK_SECRET: secret, ...SLOW_POLL });
    const clock = controlAppClock(t.app);
    try {
      await signUp(t.http);
      await deliver(t);
      clock.advance(90_000);
      const { body } = await t.http.get('/health').expect(200);
      expect(body.details.webhooks).toEqual({ status: 'up', backlog: 1, oldestDueSeconds: 90 });
    } finally {
      await t.close();
    }
  });

  it('AUTH_WEBHOOK_EVENTS subscribes to some types only', async () => {
    const t = await startApp({ AUTH_WEBHOOK_URLS: receiver.url, AUTH_WEBHOOK_SECRET: secret, AUTH_WEBHOOK_EVENTS: 'session.ended', ...SLOW_POLL });
    try {
      const user = await signUp(t.http);
      const session = await login(t.http, user);
      await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
      expect(await rows(t)).toHaveLength(0);
      await t.http.post('/auth/logout').set(bearer(session)).expect(204);
      expect((await rows(t)).map((row) => row.type)).toEqual(['session.ended']);
    } finally {
      await t.close();
    }
  });

  it('without AUTH_WEBHOOK_URLS a refresh writes no row', async () => {
    const t = await startApp();
    try {
      const user = await signUp(t.http);
      const session = await login(t.http, user);
      const emit = jest.spyOn(t.app.get(SessionEventsService), 'emit');
      await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
      expect(emit).toHaveBeenCalledWith('session.refreshed', user.id, expect.anything(), session.clientId);
      expect(await emit.mock.results[0].value).toBeNull(); // not even built
      expect(await rows(t)).toHaveLength(0);
      expect((await t.http.get('/health').expect(200)).body.details.webhooks).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('validates the configuration at start and never prints the secret', () => {
    expect(() => loadEnv({ AUTH_WEBHOOK_URLS: receiver.url })).toThrow(/AUTH_WEBHOOK_SECRET/);
    expect(() => loadEnv({ AUTH_WEBHOOK_URLS: 'ftp://x', AUTH_WEBHOOK_SECRET: secret })).toThrow(/AUTH_WEBHOOK_URLS/);
    expect(() => loadEnv({ AUTH_WEBHOOK_URLS: receiver.url, AUTH_WEBHOOK_SECRET: 'whsec_short' })).toThrow(/AUTH_WEBHOOK_SECRET=<redacted>/);
    expect(() => loadEnv({ AUTH_WEBHOOK_EVENTS: 'session ended' })).toThrow(/AUTH_WEBHOOK_EVENTS/);
    expect(() => loadEnv({ AUTH_WEBHOOK_URLS: 'https://[receiver', AUTH_WEBHOOK_SECRET: secret })).toThrow(
      /AUTH_WEBHOOK_URLS=<redacted>: expected comma-separated http\(s\) URLs/,
    );
    expect(loadEnv({ AUTH_WEBHOOK_URLS: `${receiver.url},https://b.example/x`, AUTH_WEBHOOK_SECRET: secret }).webhooks.urls).toHaveLength(2);
  });

  it('an unknown event type stops the start, before anything connects', async () => {
    const connect = jest.spyOn(DataSource.prototype, 'initialize');
    try {
      await expect(
        startApp({ AUTH_WEBHOOK_URLS: receiver.url, AUTH_WEBHOOK_SECRET: secret, AUTH_WEBHOOK_EVENTS: 'session.ended,session.exploded' }),
      ).rejects.toThrow('Invalid environment variable AUTH_WEBHOOK_EVENTS="session.ended,session.exploded": unknown event type "session.exploded"');
      expect(connect).not.toHaveBeenCalled();
    } finally {
      connect.mockRestore();
    }
  });

  it('a receiver URL with user:pass@ stops the start, without printing it', async () => {
    for (const urls of [
      'https://hooks:hunter2@receiver.example/in',
      'https://hunter2@receiver.example/in',
      `${receiver.url},https://a:hunter2@b.example`,
    ]) {
      expect(() => loadEnv({ AUTH_WEBHOOK_URLS: urls, AUTH_WEBHOOK_SECRET: secret })).toThrow(
        /^Invalid environment variable AUTH_WEBHOOK_URLS=<redacted>: expected URLs without user:pass@/,
      );
    }
    await expect(startApp({ AUTH_WEBHOOK_URLS: 'http://hooks:hunter2@127.0.0.1:9/in', AUTH_WEBHOOK_SECRET: secret })).rejects.toThrow(
      /AUTH_WEBHOOK_URLS=<redacted>/,
    );
    // An @ in the path is not a credential.
    expect(loadEnv({ AUTH_WEBHOOK_URLS: 'https://receiver.example/in/@team', AUTH_WEBHOOK_SECRET: secret }).webhooks.urls).toEqual([
      'https://receiver.example/in/@team',
    ]);
  });
});
