import { HttpError } from '../common/http-error';

/** 403 of a guarded route: the token is live but lacks a role or a scope the route asks for. */
export class AccessForbiddenException extends HttpError {
  constructor(reason: 'insufficient_role' | 'insufficient_scope') {
    super(
      403,
      'Forbidden',
      reason === 'insufficient_role' ? 'This route needs a role the caller does not have' : 'The access token lacks a scope this route needs',
      reason === 'insufficient_scope' ? { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' } : {},
      { reason },
    );
  }
}
