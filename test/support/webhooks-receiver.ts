import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';

/** A Standard Webhooks secret, as AUTH_WEBHOOK_SECRET takes it. */
export const webhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Deliveries per webhook-id. */
  counts(): Map<string, number>;
  /** The status it answers with from now on. */
  answer(status: number): void;
  /** Resolves once `test` passes on what was received, or rejects after `ms`. */
  waitFor(test: (received: ReceivedWebhook[]) => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1, as another service would run one; on `port` if given. */
export async function startReceiver(port = 0, delayMs = 0): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let status = 204;
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      setTimeout(() => {
        if (status >= 200 && status < 300) received.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(status).end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`;
  return {
    url,
    received,
    counts: () => {
      const counts = new Map<string, number>();
      for (const { headers } of received) counts.set(headers['webhook-id'], (counts.get(headers['webhook-id']) ?? 0) + 1);
      return counts;
    },
    answer: (next) => void (status = next),
    waitFor: async (test, ms = 20_000) => {
      const deadline = Date.now() + ms;
      while (!test(received)) {
        if (Date.now() > deadline) throw new Error(`receiver: not received in time (${received.length} so far)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
