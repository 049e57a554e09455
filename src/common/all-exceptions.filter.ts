import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { databaseUnavailable, describeDatabaseError, isDatabaseUnavailable } from './database-unavailable';
import { HttpError } from './http-error';
import { routeOptions } from './route-options';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  [detail: string]: unknown;
}

/**
 * Every error leaves as `{statusCode, error, message}`. Client errors raised by Fastify itself
 * (malformed JSON, wrong content type, body too large) keep their 4xx; a database that cannot answer
 * (down, stalled, read-only, full) is a 503 with Retry-After; anything unexpected becomes a bare 500
 * whose details go to the log only, with the request id, so no stack trace or SQL text reaches a
 * caller. Subclasses (the OAuth filter) change only how the body reads.
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
    // Errors raised before the handler reach only the global filter: the route's own filter answers them.
    const routeFilter = routeOptions(request).errorFilter;
    if (routeFilter && routeFilter !== this) return routeFilter.catch(exception, host);
    const body = this.toBody(exception, request);
    if (exception instanceof HttpError) reply.headers(exception.headers);
    reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(this.present(body));
  }

  protected present(body: ErrorBody): unknown {
    return body;
  }

  private toBody(exception: unknown, request: FastifyRequest): ErrorBody {
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
    this.logger.error({ requestId: request.id, err: forLog(exception) }, 'unexpected error');
    return { statusCode: 500, error: reason(500), message: 'Internal server error' };
  }
}

/**
 * A driver's error (TypeORM's QueryFailedError) carries the statement's parameters and, on PostgreSQL,
 * the failing row (`detail`): a password or refresh-token hash. The log keeps its name, message and code.
 */
function forLog(exception: unknown): Error {
  if (!(exception instanceof Error)) return new Error(String(exception));
  if (!('parameters' in exception) && !('driverError' in exception)) return exception;
  const { code } = exception as { code?: unknown };
  return Object.assign(new Error(exception.message), { name: exception.name, stack: exception.stack, ...(typeof code === 'string' && { code }) });
}

function reason(status: number): string {
  return STATUS_CODES[status] ?? String(HttpStatus[status] ?? 'Error');
}
