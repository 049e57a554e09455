import { HttpError } from '../common/http-error';

/** 429 with Retry-After in whole seconds (at least 1) and the usual JSON body. */
export function tooManyRequests(message: string, retryAfterMs: number): HttpError {
  return new HttpError(429, 'Too Many Requests', message, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) });
}
