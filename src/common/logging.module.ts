import { DynamicModule, Module } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { LoggerModule, Params, PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Caller } from './current-user.decorator';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Fastify's request id (used by the log): a well-formed incoming `x-request-id`, else a new UUID. */
export function requestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * One JSON line per request: request id, method, path, status, duration, and the user and client
 * once the access token is checked. Nothing else of the request is logged: no headers (so no
 * Authorization or cookies), no body (no password or token), no query string; the redaction list of
 * the logger is a second fence. Written from a Fastify hook rather than by nestjs-pino's pino-http
 * middleware, which costs far more per request (docs/benchmarks.md); nestjs-pino still provides the
 * logger and the application's own log lines.
 */
export function logRequests(fastify: FastifyInstance): void {
  const log = PinoLogger.root;
  fastify.addHook('onResponse', (request, reply, done) => {
    const caller = (request as { user?: Caller }).user;
    const status = reply.statusCode;
    log[status >= 500 ? 'error' : 'info'](
      {
        requestId: request.id,
        method: request.method,
        path: request.url.split('?')[0],
        remoteAddress: request.ip,
        status,
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
        ...(caller && { userId: caller.userId, clientId: caller.clientId }),
      },
      'request completed',
    );
    done();
  });
}

export interface LoggingModuleOptions {
  /** pino's level (LOG_LEVEL): trace, debug, info, warn, error, fatal or silent. */
  level: string;
}

/** nestjs-pino's logger, configured: `LoggingModule.forRoot({ level })`. */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingModuleOptions): DynamicModule {
    return { module: LoggingModule, imports: [LoggerModule.forRoot(loggerParams(options))] };
  }
}

function loggerParams({ level }: LoggingModuleOptions): Params {
  return {
    forRoutes: [], // no pino-http middleware: requests are logged by logRequests()
    pinoHttp: {
      level,
      redact: {
        // Exact paths: wildcard paths make pino walk every logged object.
        paths: [
          'authorization',
          'cookie',
          'password',
          'currentPassword',
          'newPassword',
          'refreshToken',
          'accessToken',
          'refresh_token',
          'access_token',
          'token',
          'req.headers.authorization',
          'req.headers.cookie',
          'body',
        ],
        censor: '[redacted]',
      },
    },
  };
}
