import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { HttpError } from '../common/http-error';

/** An RFC 6749 §5.2 error, answered with status 400 unless stated. */
export function oauthError(error: string, description: string, status = 400, extra?: Record<string, unknown>): HttpError {
  return new HttpError(status, 'Bad Request', description, {}, { oauthError: error, ...(extra && { oauthExtra: extra }) });
}

/**
 * The parameters of an OAuth request, form-encoded or JSON. Unknown parameters are ignored, as
 * RFC 6749 §3.2 requires, which is why these endpoints read them here rather than through a DTO.
 */
export class OAuthParams {
  constructor(private readonly body: Record<string, unknown>) {}

  optional(name: string): string | undefined {
    const value = this.body[name];
    if (value === undefined) return undefined;
    // A repeated parameter arrives as an array; §3.2 forbids repeats.
    if (typeof value !== 'string') throw oauthError('invalid_request', `${name} must be given once, as a string`);
    return value;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined || value === '') throw oauthError('invalid_request', `${name} is required`);
    return value;
  }
}

export const OAuthRequest = createParamDecorator((_data: unknown, context: ExecutionContext): OAuthParams => {
  const body: unknown = context.switchToHttp().getRequest<{ body?: unknown }>().body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw oauthError('invalid_request', 'the body must be form-encoded parameters or a JSON object');
  }
  return new OAuthParams((body ?? {}) as Record<string, unknown>);
});

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const MAX_SCOPE_LENGTH = 1024;

/** The `scope` parameter, deduplicated in its order; undefined when absent; invalid_scope when malformed. */
export function requestedScope(params: OAuthParams): string | undefined {
  const value = params.optional('scope');
  if (value === undefined) return undefined;
  const tokens = value.split(' ');
  if (value.length > MAX_SCOPE_LENGTH || !tokens.every((token) => SCOPE_TOKEN.test(token))) {
    throw oauthError('invalid_scope', `scope must be space-separated tokens (RFC 6749 §3.3), at most ${MAX_SCOPE_LENGTH} characters`);
  }
  return [...new Set(tokens)].join(' ');
}
