import { SetMetadata } from '@nestjs/common';
import { parseDurationSeconds } from '../config/duration';

export const RECENT_AUTH = 'recentAuth';

/**
 * The route needs recent authentication (API.md §11): the caller's client proved who the user is
 * (login or POST /auth/reauthenticate) within `maxAge` (seconds, or a duration like `5m`; default
 * AUTH_REAUTH_MAX_AGE), else 401 `reauthentication_required` with the RFC 9470 challenge. A stolen
 * access token alone is then not enough for what would take the account over. The handler's value
 * overrides its controller's.
 */
export function RecentAuth(maxAge?: number | string): MethodDecorator & ClassDecorator {
  const seconds = typeof maxAge === 'string' ? parseDurationSeconds(maxAge) : maxAge;
  if (seconds !== undefined && (seconds === null || !Number.isSafeInteger(seconds) || seconds <= 0)) {
    throw new TypeError(`@RecentAuth(${JSON.stringify(maxAge)}): expected a positive number of seconds or a duration like 5m`);
  }
  return SetMetadata(RECENT_AUTH, { maxAge: seconds ?? null });
}

/** The metadata @RecentAuth sets; maxAge null means AUTH_REAUTH_MAX_AGE. */
export interface RecentAuthRequirement {
  maxAge: number | null;
}
