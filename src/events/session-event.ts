/*
 * The session events of API.md section 9: one JSON shape everywhere (in the process, on the
 * per-device stream, in webhooks). A payload never carries a token, a hash or a password.
 * Their names live in config, which checks AUTH_WEBHOOK_EVENTS against them at start.
 */
import type { SessionEventType } from '../config/session-event-types';

export { SESSION_EVENT_TYPES } from '../config/session-event-types';
export type { SessionEventType } from '../config/session-event-types';

/** Who caused it: the user on one of their clients, an admin, the CLI, or the service itself. */
export type Actor =
  { kind: 'user'; userId: string; clientId?: string } | { kind: 'admin'; userId: string; clientId?: string } | { kind: 'cli' } | { kind: 'system' };

/** Where a request came from, as recorded on clients (no secret in it). */
export interface EventOrigin {
  ip: string | null;
  userAgent: string | null;
}

export interface SessionEventData {
  'user.created': { username: string; by: Actor };
  'user.password_changed': { by: Actor; reason: 'change' | 'admin' | 'reset' | 'set' };
  'user.roles_changed': { roles: string[]; previous: string[]; by: Actor };
  'user.disabled': { disabled: boolean; by: Actor };
  'user.deleted': { by: Actor };
  'session.created': { permanent: boolean; origin: EventOrigin };
  'session.refreshed': { origin: EventOrigin };
  /**
   * `reason` is the client's end reason (logout, revoked, reused, expired, disabled, ...); `application`
   * the client_id of the application the client was signed in to (API.md §13), if any.
   */
  'session.ended': { reason: string; by: Actor; origin?: EventOrigin; application?: string };
  /** An upstream identity (API.md §12) joined or left the account; `identityId` is what GET /me/identities lists. */
  'user.identity_linked': { provider: string; identityId: string; by: Actor };
  'user.identity_unlinked': { provider: string; identityId: string; by: Actor };
  /** Second factors (API.md §11); `passkeyId` for a passkey. */
  'user.factor_added': { factor: 'totp' | 'passkey'; passkeyId?: string; by: Actor };
  /** `endedClients`: the clients the removed passkey had signed in that ended with it. */
  'user.factor_removed': { factor: 'totp' | 'passkey' | 'all'; passkeyId?: string; by: Actor; endedClients?: number };
  /** A recovery code finished a login or a reauthentication; `left`: how many the user has now. */
  'user.recovery_codes_used': { left: number };
}

export interface SessionEvent<T extends SessionEventType = SessionEventType> {
  id: string;
  type: T;
  /** ISO 8601. */
  occurredAt: string;
  userId: string;
  clientId?: string;
  data: SessionEventData[T];
}
