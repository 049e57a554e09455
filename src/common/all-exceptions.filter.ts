import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { databaseUnavailable, describeDatabaseError, isDatabaseUnavailable } from './database-unavailable';
import { HttpError } from './http-error';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  [detail: string]: unknown;
}

/**
 * Every error leaves as `{statusCode, error, message}`. Client errors raised by Fastify itself
 * (malformed JSON, wrong content type, body too large) keep their 4xx; a database that cannot answer
 * (down, stalled, read-only, full) is a 503 with Retry-After; anything unexpected becomes a bare 500.
 * Details go to the log only, so no stack trace or SQL text reaches a caller.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${describeDatabaseError(exception)}`);
      exception = databaseUnavailable();
    }
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const body = this.toBody(exception);
    if (exception instanceof HttpError) reply.headers(exception.headers);
    reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8');
    if (request.url.startsWith('/oauth/')) {
      reply.header('cache-control', 'no-store').send(toOAuthError(body));
    } else {
      const { oauthError: _hidden, ...rest } = body;
      reply.send(rest);
    }
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'string') return { statusCode: status, error: reason(status), message: response };
      const { statusCode: _s, error, message, ...details } = response as Record<string, unknown>;
      return {
        statusCode: status,
        error: typeof error === 'string' ? error : reason(status),
        message: (message as string | string[] | undefined) ?? reason(status),
        ...details,
      };
    }
    const status = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { statusCode: status, error: reason(status), message: (exception as Error).message };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { statusCode: 500, error: reason(500), message: 'Internal server error' };
  }
}

/** RFC 6749 §5.2: the OAuth endpoints answer errors as `{error, error_description}`. */
function toOAuthError(body: ErrorBody): { error: string; error_description: string } {
  const status = body.statusCode;
  const error =
    typeof body.oauthError === 'string'
      ? body.oauthError
      : status === 401
        ? 'invalid_client'
        : status === 429
          ? 'slow_down'
          : status >= 500
            ? 'server_error'
            : 'invalid_request';
  return { error, error_description: Array.isArray(body.message) ? body.message.join('; ') : body.message };
}

function reason(status: number): string {
  return STATUS_CODES[status] ?? String(HttpStatus[status] ?? 'Error');
}
