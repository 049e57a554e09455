import { HttpError } from '../common/http-error';

/** 403 of cookie mode's CSRF rule (API.md §7); `reason: "csrf"` tells a client it is not a permission problem. */
export class CsrfRejectedException extends HttpError {
  constructor(message: string) {
    super(403, 'Forbidden', message, {}, { reason: 'csrf' });
  }
}
