import fastifyCookie from '@fastify/cookie';
import { DynamicModule, Module, Type, UnsupportedMediaTypeException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { DrainingFastifyAdapter } from './common/draining-fastify.adapter';
import { jsonBodyParser } from './common/json-body';
import { logRequests, requestId } from './common/logging.module';
import { routeOptions } from './common/route-options';
import { helmetHeaders } from './common/security-headers';
import { InputValidationPipe } from './common/validate-input';
import { Env, loadEnv } from './config/env';

const JSON_TYPE = /^application\/json\b/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;
const BODY_LIMIT = 16 * 1024;

/**
 * Builds the configured application, not yet listening: main.ts listens, the e2e tests use it
 * in-process. Everything global (pipes, filters, headers) is set here, once.
 */
export async function createApp(options: { logger?: false; env?: Env; imports?: Type[] } = {}): Promise<NestFastifyApplication> {
  const env = options.env ?? loadEnv();
  const { http } = env;
  // TRUST_PROXY=n: the n nearest hops are our proxies (Fastify would trust no hop for a bare number).
  const hops = http.trustProxy;
  const trustProxy = typeof hops === 'number' ? (_address: string, hop: number) => hop < hops : hops;
  const adapter = new DrainingFastifyAdapter({ trustProxy, bodyLimit: BODY_LIMIT, genReqId: requestId }, http);
  const build = new BuildWatch();
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(withFeatures(AppModule.forRoot(env), options.imports ?? []), adapter, {
      logger: options.logger,
      bufferLogs: options.logger !== false,
      // A failed start throws (main.ts reports it and exits 1) instead of Nest calling process.exit itself.
      abortOnError: false,
      instrument: { instanceDecorator: build.instanceDecorator },
    });
  } catch (error) {
    await build.failed();
    throw error;
  }
  build.succeeded();
  if (options.logger !== false) app.useLogger(app.get(Logger));
  logRequests(adapter.getInstance());
  // Cookie parsing for cookie-mode sessions (API.md section 7) and device cookies; no signing secret here.
  await app.register(fastifyCookie);
  if (http.corsOrigins.length > 0) {
    // Credentials and X-Session-Transport: cookie mode (API.md §7) for apps on those origins, and
    // every method the API has (@fastify/cors allows only GET, HEAD and POST unless told).
    // Another origin gets no CORS header at all, not even Allow-Credentials (origin: false).
    const origins = new Set(http.corsOrigins);
    app.enableCors({
      origin: (origin: string | undefined, allow: (error: Error | null, origin: string | false) => void) =>
        allow(null, origin !== undefined && origins.has(origin) ? origin : false),
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      maxAge: 600,
      credentials: true,
      allowedHeaders: ['content-type', 'authorization', 'x-session-transport', 'x-request-id', 'dpop'],
      exposedHeaders: ['link', 'retry-after', 'www-authenticate', 'x-request-id', 'dpop-nonce', 'date'],
    });
  }
  // helmet's default headers (CSP script-src 'self' among them) on every response, errors included.
  const securityHeaders = await helmetHeaders();
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    // no-store unless a route says otherwise (the JWKS): nearly every answer here is personal or a token.
    reply.headers(securityHeaders).header('x-request-id', request.id).header('cache-control', 'no-store');
    // Bodies are JSON; routes that say so (the OAuth endpoints, RFC 6749) also take form parameters.
    const type = request.headers['content-type'];
    const { formBody } = routeOptions(request);
    if (type && !JSON_TYPE.test(type) && !(formBody && FORM_TYPE.test(type))) {
      return done(
        new UnsupportedMediaTypeException(`Request bodies must be application/json${formBody ? ' or application/x-www-form-urlencoded' : ''}`),
      );
    }
    done();
  });
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT }, jsonBodyParser(adapter.getInstance()));
  app.useGlobalPipes(new InputValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  try {
    await app.init();
  } catch (error) {
    // A failed start (say, an undecryptable key) must not leave database or Redis connections open.
    await app.close().catch(() => undefined);
    throw error;
  }
  const document = () =>
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('refresh-auth')
        .setDescription('Short-lived JWT access tokens, rotating refresh tokens, one client per device. See the README.')
        .setVersion('0.1.0')
        .addBearerAuth()
        .addBasicAuth()
        .build(),
    );
  // After init(): Nest's middleware (the request log) must be registered first. The document is built on
  // its first request (then kept): building it costs more than the rest of the start.
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

/**
 * What Nest builds while it builds the app. Should a constructor or factory throw, NestFactory.create
 * throws with no app to close, and the database pool or Redis connection already open would keep the
 * process alive. Nest builds the modules in parallel and the others' loads go on after the throw (a
 * DataSource still connecting): what was built is shut down, and what is built later as it comes.
 */
class BuildWatch {
  /** null once the app is built: request-scoped instances are built per request and not kept. */
  private built: object[] | null = [];
  private failure = false;

  readonly instanceDecorator = (instance: unknown): unknown => {
    if (typeof instance === 'object' && instance !== null) {
      if (this.failure) void shutDown([instance]);
      else this.built?.push(instance);
    }
    return instance;
  };

  succeeded(): void {
    this.built = null;
  }

  async failed(): Promise<void> {
    this.failure = true;
    const built = [...new Set(this.built)].reverse();
    this.built = null;
    await shutDown(built);
  }
}

/**
 * Nest's shutdown hooks in Nest's order (onModuleDestroy, beforeApplicationShutdown,
 * onApplicationShutdown; RedisService quits), and any connected DataSource destroyed (TypeORM's
 * module can close only one it had received). A hook that fails does not stop the others.
 */
async function shutDown(instances: object[]): Promise<void> {
  for (const hook of ['onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown'] as const) {
    for (const instance of instances as Array<Partial<Record<typeof hook, () => unknown>>>) {
      if (typeof instance[hook] === 'function')
        await Promise.resolve()
          .then(() => instance[hook]!())
          .catch(() => undefined);
    }
  }
  for (const instance of instances) {
    if (instance instanceof DataSource && instance.isInitialized) await instance.destroy().catch(() => undefined);
  }
}

/** AppModule, with feature modules mounted beside it (the e2e test of docs/extending.md's example). */
/** The app with extra feature modules beside it (tests mount the guide's example module this way). */
function withFeatures(app: DynamicModule, imports: Type[]): DynamicModule | Type {
  if (imports.length === 0) return app;
  @Module({ imports: [app, ...imports] })
  class AppWithFeatures {}
  return AppWithFeatures;
}
