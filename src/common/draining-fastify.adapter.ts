import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyServerOptions } from 'fastify';

/**
 * Fastify, plus a clean drain on shutdown: once the application starts closing, every response
 * says `Connection: close`, so keep-alive connections end with their last in-flight request and the
 * server can close at once instead of waiting for idle clients to hang up.
 */
export class DrainingFastifyAdapter extends FastifyAdapter {
  private draining = false;

  constructor(options: FastifyServerOptions) {
    super(options);
    this.getInstance().addHook('onSend', (_request, reply, payload, done) => {
      if (this.draining) reply.header('connection', 'close');
      done(null, payload);
    });
  }

  override beforeClose(): void {
    this.draining = true;
    super.beforeClose();
  }
}
