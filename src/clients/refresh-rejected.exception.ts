import { HttpError } from '../common/http-error';
import type { DeadClientReason } from './client-rules';

/** Why a refresh token was refused, in words a client can act on (all lead to a new login). */
export type RefreshRejection = 'invalid' | DeadClientReason;

export class RefreshRejectedException extends HttpError {
  constructor(readonly reason: RefreshRejection) {
    super(401, 'Unauthorized', 'Invalid refresh token', {}, { reason, action: 'reauthenticate' });
  }
}
