import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyServerOptions } from 'fastify';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Seconds a client may take to send a whole request, headers included. */
  requestTimeout: number;
  maxConnections: number;
  /** 0: no cap per address. */
  maxConnectionsPerAddress: number;
}

/** The drain's bound: in-flight requests get this long, within the 10 s main.ts allows a shutdown. */
const DRAIN_TIMEOUT_MS = 8000;
const DRAIN_RETRY_AFTER_SECONDS = '5';

/**
 * Fastify with bounded connections and a clean drain.
 *
 * Slow clients: a request (headers and body) must arrive within `requestTimeout`; connections are
 * capped in all and per client address, so a few hundred trickling sockets cannot starve the rest.
 *
 * Drain: once the application starts closing, the listener stays open while requests are in
 * flight; every request that arrives meanwhile gets a 503 with Retry-After, and every response
 * says `Connection: close`. The listener closes when the last in-flight request is done.
 * Fastify's own `return503OnClosing` is not enough: it answers only once `close()` has begun, when
 * the listener already refuses new connections, and its fixed 503 carries no Retry-After.
 */
export class DrainingFastifyAdapter extends FastifyAdapter {
  private draining = false;
  private inFlight = 0;
  private idle: (() => void) | null = null;
  private readonly drainListeners: Array<() => void> = [];

  constructor(options: FastifyServerOptions, limits: ConnectionLimits) {
    const timeout = limits.requestTimeout * 1000;
    super({
      ...options,
      requestTimeout: timeout,
      // Node checks request and header deadlines on this beat (30 s by default).
      http: { headersTimeout: timeout, requestTimeout: timeout, connectionsCheckingInterval: Math.min(1000, timeout) },
    } as FastifyServerOptions);
    const fastify = this.getInstance();
    capConnections(fastify.server, limits);
    fastify.addHook('onRequest', (_request, reply, done) => {
      if (this.draining) {
        reply
          .code(503)
          .header('retry-after', DRAIN_RETRY_AFTER_SECONDS)
          .send({ statusCode: 503, error: 'Service Unavailable', message: 'This instance is shutting down; retry shortly' });
        return;
      }
      this.inFlight += 1;
      reply.raw.once('close', () => this.finished());
      done();
    });
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      if (this.draining) reply.header('connection', 'close');
      done(null, payload);
    });
  }

  /** Runs `listener` when the drain starts: for requests that never finish by themselves (event streams). */
  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  /** Called by Nest before the shutdown hooks: drain, then let Fastify close the listener. */
  // Typed void by FastifyAdapter, but NestApplication.close() awaits it (`await httpAdapter.beforeClose?.()`).
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  override async beforeClose(): Promise<void> {
    this.draining = true;
    super.beforeClose();
    for (const listener of this.drainListeners) listener();
    if (this.inFlight === 0) return;
    const drained = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS);
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    // Past the bound, what is still open is cut, so the process ends in time.
    if (!drained) this.getInstance().server.closeAllConnections();
  }

  private finished(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) this.idle?.();
  }
}

/** A global cap (Node drops connections past maxConnections) and one per remote address. */
function capConnections(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxConnections;
  if (limits.maxConnectionsPerAddress === 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = open.get(address) ?? 0;
    if (count >= limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
