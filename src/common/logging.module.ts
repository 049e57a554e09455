import { Module, RequestMethod } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpConfig } from '../config/configuration';
import type { Caller } from './current-user.decorator';

/** Where the access-token guard leaves the caller for the request log (on the raw Node request). */
export const LOGGED_CALLER = Symbol('loggedCaller');

type LoggedRequest = IncomingMessage & { id?: string; [LOGGED_CALLER]?: Caller };

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Fastify's request id (which the log uses): a well-formed incoming `x-request-id`, else a new UUID. */
export function requestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * One JSON line per request (nestjs-pino): request id (a well-formed `x-request-id` is kept, else one
 * is made, and it is echoed back), method, path, status, duration, and the user and client once the
 * access token is checked. Nothing else of the request is logged: no headers (so no Authorization
 * or cookies), no body (so no password or token), and the redaction below is a second fence.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [httpConfig.KEY],
      useFactory: (http: ConfigType<typeof httpConfig>) => ({
        // nestjs-pino's default route pattern, '{/*splat}', matches nothing on Nest 12 with Fastify
        // (measured); this one matches every route.
        forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
        pinoHttp: {
          level: http.logLevel,
          serializers: {
            req: (request: { id: string; method: string; url: string; remoteAddress?: string }) => ({
              id: request.id,
              method: request.method,
              path: request.url.split('?')[0],
              remoteAddress: request.remoteAddress,
            }),
            res: (response: { statusCode: number }) => ({ status: response.statusCode }),
          },
          customProps: (request: LoggedRequest) => {
            const caller = request[LOGGED_CALLER];
            return caller ? { userId: caller.userId, clientId: caller.clientId } : {};
          },
          customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error) =>
            error || response.statusCode >= 500 ? 'error' : 'info',
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'res.headers["set-cookie"]',
              '*.password',
              '*.currentPassword',
              '*.newPassword',
              '*.refreshToken',
              '*.accessToken',
              '*.refresh_token',
              '*.access_token',
              '*.token',
            ],
            censor: '[redacted]',
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
