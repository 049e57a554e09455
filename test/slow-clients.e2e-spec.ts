import { ListeningApp, startListeningApp } from './support/app';
import { freshGet, OpenSocket, openSocket, trickle } from './support/raw-http';

/*
 * Slow clients must not make the service unreachable. All test traffic comes from 127.0.0.1, so
 * each cap is set low here and proven on its own; what a proxy must add is in docs/operations.md.
 */
async function untilClosed(sockets: OpenSocket[], count: number): Promise<void> {
  let closed = 0;
  await new Promise<void>((resolve) => {
    if (count === 0) resolve();
    for (const s of sockets) void s.closed.then(() => ++closed === count && resolve());
  });
}

/** The server learns of closed connections a moment after the client: ask until it answers. */
async function answered(url: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await freshGet(url, '/health')).status;
    } catch (error) {
      if (attempt === 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const isClosed = async (s: OpenSocket) => Promise.race([s.closed.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);

describe('slow and greedy clients', () => {
  let t: ListeningApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('cuts off requests that trickle past HTTP_REQUEST_TIMEOUT, then answers a fresh request', async () => {
    t = await startListeningApp({ HTTP_REQUEST_TIMEOUT: '1s', HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0' });
    const tricklers = await Promise.all(Array.from({ length: 200 }, () => trickle(t!.url)));
    await untilClosed(tricklers, tricklers.length);
    // Cut by the server with a 408, not by the client or a crash.
    expect(tricklers.every((s) => s.received().startsWith('HTTP/1.1 408'))).toBe(true);
    expect((await freshGet(t.url, '/health')).status).toBe(200);
  });

  it('refuses connections past HTTP_MAX_CONNECTIONS_PER_ADDRESS, and takes them again once some close', async () => {
    t = await startListeningApp({ HTTP_REQUEST_TIMEOUT: '5m', HTTP_MAX_CONNECTIONS_PER_ADDRESS: '100' });
    const sockets: OpenSocket[] = [];
    for (let i = 0; i < 150; i++) sockets.push(await openSocket(t.url));
    await untilClosed(sockets, 50);
    // The cap is full: a fresh connection from the same address is closed unanswered.
    await expect(freshGet(t.url, '/health')).rejects.toThrow();
    const open = (await Promise.all(sockets.map(isClosed))).filter((closed) => !closed);
    expect(open).toHaveLength(100);
    for (const s of sockets) s.socket.destroy();
    expect(await answered(t.url)).toBe(200);
  });

  it('refuses connections past HTTP_MAX_CONNECTIONS in all', async () => {
    t = await startListeningApp({ HTTP_REQUEST_TIMEOUT: '5m', HTTP_MAX_CONNECTIONS: '40', HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0' });
    const sockets: OpenSocket[] = [];
    for (let i = 0; i < 60; i++) sockets.push(await openSocket(t.url));
    await untilClosed(sockets, 20);
    await expect(freshGet(t.url, '/health')).rejects.toThrow();
    for (const s of sockets) s.socket.destroy();
    expect(await answered(t.url)).toBe(200);
  });
});
