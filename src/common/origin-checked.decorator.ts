import { SetMetadata } from '@nestjs/common';

export const ORIGIN_CHECKED = 'originChecked';

/**
 * Applies cookie mode's Origin rule (API.md §7) to a safe-method route too: when the access cookie
 * authenticates it and an Origin header is present, that origin must be ours or one of CORS_ORIGINS
 * (else 403 `reason: "csrf"`). For GET routes that hold something for the caller (an event stream
 * holds a socket and a slot of the caller's caps), which a cross-site page must not take with the
 * victim's cookie even though it cannot read the answer.
 */
export const OriginChecked = () => SetMetadata(ORIGIN_CHECKED, true);
