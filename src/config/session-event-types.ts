/**
 * The names of the session events (API.md section 9). Declared in config, a leaf, so that
 * AUTH_WEBHOOK_EVENTS is checked with the rest of the environment, before anything connects;
 * src/events re-exports them with the events' shapes.
 */
export const SESSION_EVENT_TYPES = [
  'user.created',
  'user.password_changed',
  'user.roles_changed',
  'user.disabled',
  'user.deleted',
  'session.created',
  'session.refreshed',
  'session.ended',
  'user.factor_added',
  'user.factor_removed',
  'user.recovery_codes_used',
] as const;
export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];
