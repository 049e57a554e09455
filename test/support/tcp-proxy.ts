import { AddressInfo, createServer, Server, Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** What arrived while frozen, for the socket it was going to. */
  held: Array<[Socket, Buffer]>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a shared service (PostgreSQL, Redis), so a test can play an
 * outage without touching the service: `freeze()` keeps every connection open but forwards nothing
 * (a stalled peer), `refuse()` closes them and the port (connection refused), `restore()` undoes either.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private frozen = false;
  private server: Server;
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = this.createServer();
  }

  /** A proxy to the host and port of `url` (a postgres:// or redis:// URL). */
  static async to(url: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(url);
    const proxy = new TcpProxy({ host: hostname, port: Number(port) });
    await proxy.listen();
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  freeze(): void {
    this.frozen = true;
  }

  async refuse(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const pair of this.pairs) this.drop(pair);
    });
  }

  /** Forwards again: releases what a freeze held, or listens again on the same port after a refusal. */
  async restore(): Promise<void> {
    this.frozen = false;
    for (const pair of this.pairs) {
      for (const [to, data] of pair.held.splice(0)) to.write(data);
    }
    if (!this.server.listening) {
      this.server = this.createServer();
      await this.listen();
    }
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.refuse();
  }

  private createServer(): Server {
    return createServer((client) => {
      const upstream = new Socket();
      const pair: Pair = { client, upstream, held: [] };
      this.pairs.add(pair);
      const forward = (to: Socket) => (data: Buffer) => {
        if (this.frozen) pair.held.push([to, data]);
        else to.write(data);
      };
      client.on('data', forward(upstream));
      upstream.on('data', forward(client));
      for (const socket of [client, upstream]) {
        socket.on('error', () => this.drop(pair));
        socket.on('close', () => this.drop(pair));
      }
      upstream.connect(this.target.port, this.target.host);
    });
  }

  private drop(pair: Pair): void {
    pair.client.destroy();
    pair.upstream.destroy();
    this.pairs.delete(pair);
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}
