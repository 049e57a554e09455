import { createTestDatabase } from './support/engines';
import { freshGet, FreshResponse, openSocket } from './support/raw-http';
import { startServerProcess } from './support/server-process';

describe('the drain after SIGTERM', () => {
  it('answers late requests 503 with Retry-After and Connection: close until the listener closes, then exits 0', async () => {
    const database = await createTestDatabase({ shared: true });
    // The request timeout is what ends the slow request that keeps the drain open here.
    const server = await startServerProcess({ DATABASE_URL: database.url, HTTP_REQUEST_TIMEOUT: '4s' });
    try {
      // A request in flight: its headers are in, its body never completes.
      const slow = await openSocket(server.url);
      slow.socket.write('POST /users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user');
      expect((await freshGet(server.url, '/health')).status).toBe(200);

      server.signal('SIGTERM');
      // Every late request, each on a new connection, gets an answer: none is refused or reset
      // while the slow request keeps the listener open.
      const late: FreshResponse[] = [];
      while (late.filter((response) => response.status === 503).length < 5) {
        late.push(await freshGet(server.url, '/health'));
        expect(late.length).toBeLessThan(500);
      }
      const first503 = late.findIndex((response) => response.status === 503);
      expect(late.slice(0, first503).every((response) => response.status === 200)).toBe(true);
      for (const response of late.slice(first503)) {
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toMatch(/^\d+$/);
        expect(response.headers.connection).toBe('close');
        expect(JSON.parse(response.body)).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
      }
      await slow.closed;
      await expect(server.exited).resolves.toBe(0);
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});
