import helmet from '@fastify/helmet';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { loadEnv } from './config/env';

/**
 * Builds the configured application, not yet listening: main.ts listens, the e2e tests use it
 * in-process. Everything global (pipes, filters, headers) is set here, once.
 */
export async function createApp(options: { logger?: false } = {}): Promise<NestFastifyApplication> {
  const { http } = loadEnv();
  const adapter = new FastifyAdapter({ trustProxy: http.trustProxy, bodyLimit: 16 * 1024 });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    logger: options.logger,
    bufferLogs: options.logger !== false,
  });
  await app.register(helmet);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  await app.init();
  return app;
}
