import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { DataSource } from 'typeorm';
import { SessionEventsService } from '../src/events';
import { startApp } from './support/app';
import { startReceiver, webhookSecret } from './support/webhooks-receiver';

/** A receiver that takes each request and never answers: the worst neighbour a healthy receiver can have. */
async function startSilentReceiver(): Promise<{ url: string; requests: IncomingMessage[]; close(): Promise<void> }> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((request) => void requests.push(request));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('webhooks: each receiver on its own', () => {
  it('a receiver that never answers does not hold back the events of a healthy one', async () => {
    const healthy = await startReceiver();
    const silent = await startSilentReceiver();
    // Attempts may take up to a minute: only delivery per receiver keeps the healthy one prompt.
    const t = await startApp({ AUTH_WEBHOOK_URLS: `${silent.url},${healthy.url}`, AUTH_WEBHOOK_SECRET: webhookSecret(), AUTH_WEBHOOK_TIMEOUT: '1m' });
    try {
      const events = t.app.get(SessionEventsService);
      for (let i = 0; i < 60; i += 1) await events.emit('user.created', randomUUID(), { username: `user${i}`, by: { kind: 'system' } });
      await healthy.waitFor((received) => received.length === 60, 15_000);
      expect(new Set(healthy.counts().values())).toEqual(new Set([1]));
      expect(silent.requests.length).toBeGreaterThan(0); // it was tried, and is still being tried
    } finally {
      await silent.close();
      await t.close();
      await healthy.close();
    }
  });

  it('an attempt that gets no answer fails after AUTH_WEBHOOK_TIMEOUT and is retried later', async () => {
    const silent = await startSilentReceiver();
    const t = await startApp({ AUTH_WEBHOOK_URLS: silent.url, AUTH_WEBHOOK_SECRET: webhookSecret(), AUTH_WEBHOOK_TIMEOUT: '1s' });
    try {
      await t.app.get(SessionEventsService).emit('user.created', randomUUID(), { username: 'someone', by: { kind: 'system' } });
      const outbox = () =>
        t.app.get(DataSource).query<Array<{ attempts: number; last_error: string | null; delivered_at: unknown }>>('SELECT * FROM webhook_outbox');
      const deadline = Date.now() + 15_000;
      while ((await outbox())[0].last_error === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await outbox()).toEqual([expect.objectContaining({ attempts: 1, last_error: 'TimeoutError', delivered_at: null })]);
    } finally {
      await silent.close();
      await t.close();
    }
  });
});
