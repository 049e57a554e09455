import type { Client } from './client.entity';

/** Where a request came from, as recorded on the client it opens, uses or ends. */
export interface Origin {
  ip: string | null;
  userAgent: string | null;
}

/** What the access-token guard needs to know of a client, and of its user now (roles, disabled). */
export type ClientState = ClientLife & { userRoles: string[]; userDisabled: boolean };

export type ClientLife = Pick<Client, 'id' | 'userId' | 'permanent' | 'endedAt' | 'endReason' | 'expiresAt' | 'sessionExpiresAt'> &
  Partial<Pick<Client, 'applicationId'>>;

export function recordedOrigin(origin: Origin): Pick<Client, 'ip' | 'userAgent'> {
  return { ip: origin.ip?.slice(0, 64) ?? null, userAgent: origin.userAgent?.slice(0, 512) ?? null };
}

export function isActive(client: Pick<Client, 'endedAt' | 'expiresAt'>, now: number): boolean {
  return client.endedAt === null && client.expiresAt.getTime() > now;
}

/** Why a client's tokens no longer work, in the words of the 401 `reason`; null while it is live. */
export type DeadClientReason = 'reused' | 'revoked' | 'expired' | 'idle_expired' | 'absolute_expired';

export function deadReason(client: ClientLife, now: number): DeadClientReason | null {
  if (client.endedAt !== null) return client.endReason === 'reused' ? 'reused' : 'revoked';
  if (client.expiresAt.getTime() > now) return null;
  if (!client.permanent) return 'expired'; // a non-permanent client ends with its access token
  return client.sessionExpiresAt.getTime() <= now ? 'absolute_expired' : 'idle_expired';
}

/** How ended clients are shown: the stored reason, or which deadline passed. */
export type ClientEnding = NonNullable<Client['endReason']> | 'idle' | 'absolute' | 'expired';

export function endingOf(client: Client, now: number): ClientEnding | null {
  if (client.endReason) return client.endReason;
  if (client.endedAt !== null || client.expiresAt.getTime() > now) return null;
  if (!client.permanent) return 'expired';
  return client.expiresAt.getTime() >= client.sessionExpiresAt.getTime() ? 'absolute' : 'idle';
}
