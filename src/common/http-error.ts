import { HttpException } from '@nestjs/common';

/**
 * An HTTP error whose body is `{statusCode, error, message, ...details}` and which sets response
 * headers (WWW-Authenticate on 401, Retry-After on 429). The global filter writes both.
 */
export class HttpError extends HttpException {
  constructor(
    status: number,
    error: string,
    message: string,
    readonly headers: Record<string, string> = {},
    details: Record<string, unknown> = {},
  ) {
    super({ statusCode: status, error, message, ...details }, status);
  }
}
