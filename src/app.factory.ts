import { UnsupportedMediaTypeException, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { DrainingFastifyAdapter } from './common/draining-fastify.adapter';
import { securityHeaders } from './common/security-headers';
import { loadEnv } from './config/env';

const JSON_TYPE = /^application\/json\b/i;

/**
 * Builds the configured application, not yet listening: main.ts listens, the e2e tests use it
 * in-process. Everything global (pipes, filters, headers) is set here, once.
 */
export async function createApp(options: { logger?: false } = {}): Promise<NestFastifyApplication> {
  const { http } = loadEnv();
  const adapter = new DrainingFastifyAdapter({ trustProxy: http.trustProxy, bodyLimit: 16 * 1024 });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    logger: options.logger,
    bufferLogs: options.logger !== false,
  });
  const headers = securityHeaders();
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    // Bodies are JSON; only the OAuth endpoints also take form parameters (RFC 6749).
    const type = request.headers['content-type'];
    if (type && !JSON_TYPE.test(type) && !request.url.startsWith('/oauth/')) {
      return done(new UnsupportedMediaTypeException('Request bodies must be application/json'));
    }
    done();
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new AllExceptionsFilter());
  try {
    await app.init();
  } catch (error) {
    // A failed start (say, an undecryptable key) must not leave database or Redis connections open.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}
