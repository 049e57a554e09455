import { HttpError } from '../common/http-error';

/** A claims provider made the token exceed ACCESS_TOKEN_MAX_BYTES: a server misconfiguration, said plainly. */
export class AccessTokenTooLargeException extends HttpError {
  constructor() {
    super(500, 'Internal Server Error', 'The access token would exceed its size budget; no token was issued', {}, { reason: 'token_too_large' });
  }
}
