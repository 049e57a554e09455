import { HttpError } from '../common/http-error';

/**
 * 401 of a @RecentAuth route whose caller authenticated too long ago. The token itself is fine: the
 * client asks the user again (POST /auth/reauthenticate), not refresh. RFC 9470's challenge says how
 * recent is recent enough.
 */
export class ReauthenticationRequiredException extends HttpError {
  constructor(maxAge: number) {
    super(
      401,
      'Unauthorized',
      'This action needs recent authentication: confirm your password and try again',
      { 'WWW-Authenticate': `Bearer error="insufficient_user_authentication", max_age=${maxAge}` },
      { reason: 'reauthentication_required' },
    );
  }
}
