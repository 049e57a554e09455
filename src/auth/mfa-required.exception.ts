import { HttpError } from '../common/http-error';
import type { MfaChallenge } from './second-factors.registry';

/**
 * 403 `mfa_required`: a login whose password was right for a user with a second factor (with the
 * mfaToken that finishes it at POST /auth/mfa), or a @RequireMfa route whose token lacks `mfa` in amr.
 */
export class MfaRequiredException extends HttpError {
  constructor(readonly challenge?: MfaChallenge) {
    super(
      403,
      'Forbidden',
      challenge ? 'A second factor is required to finish this login' : 'This action needs a login with a second factor',
      {},
      { reason: 'mfa_required', ...challenge },
    );
  }
}
