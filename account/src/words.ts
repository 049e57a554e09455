/** Every state and failure of the page in words a person understands. */
import type { AuthError, ClientHistoryResponse, ClientResponse, SignOutReason } from '../sdk/auth-client.js';

/** Why a device ended (GET /clients?include=ended, endReason). */
export const ENDED: Record<string, string> = {
  logout: 'Signed out on that device.',
  rejected: 'Signed out on that device.',
  revoked: 'Ended from another device.',
  reused: "This device's sign-in was used from somewhere else, so we ended it.",
  password_changed: 'Ended because the password was changed.',
  password_reset: 'Ended because the password was reset.',
  disabled: 'Ended because the account was disabled.',
  limit: 'Ended to make room: too many devices were signed in.',
  idle: 'Expired: not used for a long time.',
  absolute: 'Expired: it was signed in for as long as allowed.',
  expired: 'Expired: it was not kept signed in, so it lasted a short while.',
  factor_removed: 'Ended because the passkey it signed in with was removed.',
};

/** Why this device is signed out (the client's state). */
export const SIGNED_OUT: Record<SignOutReason, string> = {
  logout: 'You signed out.',
  revoked: 'This device was signed out from another device.',
  reused: "This device's sign-in was used from somewhere else, so we ended it. Please sign in again.",
  expired: 'Your sign-in expired. Please sign in again.',
  idle_expired: 'Your sign-in expired after a long time unused. Please sign in again.',
  absolute_expired: 'Your sign-in reached its time limit. Please sign in again.',
  invalid: 'Your sign-in is no longer valid. Please sign in again.',
};

/** Why this device was just ended, from its session.ended event (the live notice). */
export function endedHereWords(reason: string | undefined, byKind: string | undefined): string {
  const words: Record<string, string> = {
    revoked: byKind === 'admin' ? 'An administrator signed this device out.' : SIGNED_OUT.revoked,
    password_changed: 'This device was signed out because the password was changed.',
    password_reset: 'This device was signed out because the password was reset.',
    disabled: 'This device was signed out because the account was disabled.',
    limit: 'This device was signed out to make room: too many devices were signed in.',
    reused: SIGNED_OUT.reused,
    idle: SIGNED_OUT.idle_expired,
    absolute: SIGNED_OUT.absolute_expired,
    expired: SIGNED_OUT.expired,
    factor_removed: 'This device was signed out because the passkey it signed in with was removed.',
  };
  return words[reason ?? ''] ?? SIGNED_OUT.logout;
}

/** "New sign-in on Safari 17 on iOS 17.4 from 203.0.113.9." */
export function newSignInWords(client: Pick<ClientResponse, 'browser' | 'os' | 'userAgent' | 'ip'> | undefined): string {
  if (!client) return 'New sign-in on another device.';
  return `New sign-in on ${deviceName(client)}${client.ip ? ` from ${client.ip}` : ''}.`;
}

export function endedWords(client: Pick<ClientHistoryResponse, 'endReason' | 'endedBy' | 'endedAt'>, now = Date.now()): string {
  const words = ENDED[client.endReason ?? ''] ?? 'Ended.';
  const by = client.endedBy;
  if (client.endReason !== 'reused' || !by) return words;
  const from = [by.browser && by.os ? `${by.browser} on ${by.os}` : (by.browser ?? by.os), by.ip && `address ${by.ip}`].filter(Boolean).join(', ');
  return `${words} It was used from ${from || 'an unknown device'}${client.endedAt ? `, ${ago(client.endedAt, now)}` : ''}.`;
}

/** "Firefox 128 on Windows 10", or the raw user agent when the server could not read it. */
export function deviceName(client: Pick<ClientResponse, 'browser' | 'os' | 'userAgent' | 'application'>): string {
  if (client.application) return `Signed in to ${client.application.name}`;
  if (client.browser && client.os) return `${client.browser} on ${client.os}`;
  return client.browser ?? client.os ?? (client.userAgent ? `Unknown device (${client.userAgent.slice(0, 60)})` : 'Unknown device');
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "3 minutes ago", "just now". */
export function ago(iso: string, now = Date.now()): string {
  const elapsed = now - Date.parse(iso);
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, ms] of UNITS) if (Math.abs(elapsed) >= ms) return format.format(-Math.round(elapsed / ms), unit);
  return 'just now';
}

/** A failed action, said plainly; `retryAfter` is the 429's Retry-After in seconds. */
export function failureWords(
  error: unknown,
  action: 'sign-in' | 'sign-up' | 'password' | 'email' | 'reset' | 'reauth' | 'code' | 'passkey' | 'factor' | 'other',
  retryAfter: number | null,
): string {
  const passkey = passkeyWords(error);
  if (passkey) return passkey;
  const e = error as Partial<AuthError>;
  if (e?.status === 0 || !(typeof e?.status === 'number')) return "We can't reach the server. Check your connection and try again.";
  if (e.status === 429) return `Too many attempts. Try again ${retryAfter ? `in ${duration(retryAfter)}` : 'later'}.`;
  if (action === 'sign-in' && e.status === 401) return 'Wrong username or password.';
  if (action === 'sign-in' && e.status === 400) return 'Enter a username (3 to 64 characters) and a password.';
  if (action === 'sign-up' && e.status === 409) return 'That username is taken. Choose another.';
  if (action === 'sign-up' && e.status === 403) return 'Creating accounts is closed here.';
  if (action === 'sign-up' && e.status === 400) return 'Usernames are 3 to 64 letters, digits or . _ @ -; passwords 8 to 128 characters.';
  if (action === 'password' && e.status === 403) return 'Your current password is not right.';
  if (action === 'password' && e.status === 400) return 'The new password must be 8 to 128 characters.';
  if (action === 'reauth' && e.reason === 'invalid_credentials') return 'That password is not right.';
  if (action === 'email' && e.reason === 'reauthentication_required') return 'The email was not changed: confirm your password to change it.';
  if (action === 'email' && e.status === 409) return 'Another account already uses this email address.';
  if (action === 'email' && e.reason === 'invalid_token')
    return 'This verification link has expired or was already used. Save the address again for a new one.';
  if (action === 'email' && e.status === 400) return 'Enter a valid email address.';
  if (action === 'reset' && e.reason === 'invalid_token') return 'This link has expired or was already used.';
  if (action === 'passkey' && (e.status === 400 || e.status === 401))
    return 'That passkey did not sign you in. It may have been removed from your account.';
  if (action === 'code' && e.reason === 'invalid_mfa_token') return 'This sign-in took too long or had too many wrong codes. Sign in again.';
  if (action === 'code' && e.status !== undefined && e.status < 500) {
    // The server counts the mfaToken's tries down: the last few are worth saying.
    const left = (e.body as { triesLeft?: unknown } | null | undefined)?.triesLeft;
    const tries = typeof left === 'number' && left <= 2 ? ` ${left} ${left === 1 ? 'try' : 'tries'} left.` : '';
    return `That code is not right. Enter the code your app shows now, or a recovery code.${tries}`;
  }
  if (action === 'factor' && e.reason === 'reauthentication_required') return 'Nothing was changed: confirm your password to change how you sign in.';
  if (action === 'reset' && e.status === 400) return 'The new password must be 8 to 128 characters.';
  if (e.status >= 500) return 'The server could not do that just now. Try again in a moment.';
  return e.message ?? 'That did not work.';
}

/** A passkey ceremony that the browser or the user ended (a WebAuthn DOMException), in words; null for anything else. */
export function passkeyWords(error: unknown): string | null {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'AbortError') return 'No passkey was used: the request was cancelled or timed out.';
  if (name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
  if (name === 'NotSupportedError' || name === 'SecurityError') return 'This browser cannot use passkeys here.';
  return null;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.ceil(minutes / 60)} hours`;
}
