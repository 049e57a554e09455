import { HttpError } from './http-error';

/** Why a Bearer token was refused, and what the client should do next. */
export type AccessRejection = 'invalid' | 'expired' | 'idle_expired' | 'absolute_expired' | 'revoked' | 'reused';

/** 401 of a guarded route, with the RFC 6750 challenge. */
export class AccessTokenRejectedException extends HttpError {
  constructor(reason: AccessRejection, presented: boolean) {
    super(
      401,
      'Unauthorized',
      presented ? 'Invalid or expired access token' : 'Missing access token',
      { 'WWW-Authenticate': presented ? 'Bearer error="invalid_token"' : 'Bearer' },
      { reason, action: reason === 'expired' ? 'refresh' : 'reauthenticate' },
    );
  }
}
