import { request } from 'node:http';
import { connect, Socket } from 'node:net';

export interface FreshResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One GET on a connection of its own (no keep-alive pool): a late request reaches the listener itself. */
export function freshGet(url: string, path: string): Promise<FreshResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

export interface OpenSocket {
  socket: Socket;
  /** Resolves when the server (or anything) closed the connection. */
  closed: Promise<void>;
  /** What the server sent so far. */
  received(): string;
}

/** A connection to `url`'s host and port, open once it resolves; `write` sends raw bytes. */
export function openSocket(url: string): Promise<OpenSocket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    let received = '';
    socket.on('error', () => undefined);
    // Reading is also what lets the server's closing be seen.
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.once('connect', () => resolve({ socket, closed, received: () => received }));
    socket.once('error', reject);
  });
}

/**
 * A slowloris: request headers that never end, a byte every `everyMs`, until the connection
 * closes. Returns the socket; stops by itself once the server cuts it.
 */
export async function trickle(url: string, everyMs = 200): Promise<OpenSocket> {
  const open = await openSocket(url);
  open.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
  const timer = setInterval(() => {
    if (!open.socket.destroyed) open.socket.write('a');
  }, everyMs);
  void open.closed.then(() => clearInterval(timer));
  return open;
}
