import fastifyCookie from '@fastify/cookie';
import { UnsupportedMediaTypeException, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { DrainingFastifyAdapter } from './common/draining-fastify.adapter';
import { logRequests, requestId } from './common/logging.module';
import { securityHeaders } from './common/security-headers';
import { loadEnv } from './config/env';

const JSON_TYPE = /^application\/json\b/i;

/**
 * Builds the configured application, not yet listening: main.ts listens, the e2e tests use it
 * in-process. Everything global (pipes, filters, headers) is set here, once.
 */
export async function createApp(options: { logger?: false } = {}): Promise<NestFastifyApplication> {
  const { http } = loadEnv();
  const adapter = new DrainingFastifyAdapter({ trustProxy: http.trustProxy, bodyLimit: 16 * 1024, genReqId: requestId }, http);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    logger: options.logger,
    bufferLogs: options.logger !== false,
  });
  if (options.logger !== false) app.useLogger(app.get(Logger));
  logRequests(adapter.getInstance());
  // Cookie parsing for cookie-mode sessions (API.md section 7) and device cookies; no signing secret here.
  await app.register(fastifyCookie);
  if (http.corsOrigins.length > 0) app.enableCors({ origin: http.corsOrigins, maxAge: 600 });
  const headers = securityHeaders();
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    reply.headers(headers).header('x-request-id', request.id);
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
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('refresh-auth')
      .setDescription('Short-lived JWT access tokens, rotating refresh tokens, one client per device. See the README.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .addBasicAuth()
      .build(),
  );
  // After init(): Nest's middleware (the request log) must be registered first.
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
