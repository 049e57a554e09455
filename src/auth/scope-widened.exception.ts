import { HttpError } from '../common/http-error';
/** RFC 6749 §6: a refresh asked for a scope its client was never granted. */
export class ScopeWidenedException extends HttpError {
  constructor() {
    super(400, 'Bad Request', 'The requested scope exceeds the scope originally granted', {}, { oauthError: 'invalid_scope' });
  }
}
