import { Catch } from '@nestjs/common';
import { AllExceptionsFilter, ErrorBody } from '../common/all-exceptions.filter';

/**
 * RFC 6749 §5.2: the OAuth endpoints answer errors as `{error, error_description}`. Applied to the
 * OAuth controller (@UseFilters) and, through its route options, to errors raised before its handlers.
 */
@Catch()
export class OAuthExceptionFilter extends AllExceptionsFilter {
  protected override present(body: ErrorBody): { error: string; error_description: string } & Record<string, unknown> {
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
    // Members beside the two of RFC 6749 §5.2 (mfa_required's mfa_token): only ones the controller put there.
    const extra = typeof body.oauthExtra === 'object' && body.oauthExtra !== null ? (body.oauthExtra as Record<string, unknown>) : {};
    return { ...extra, error, error_description: Array.isArray(body.message) ? body.message.join('; ') : body.message };
  }
}
