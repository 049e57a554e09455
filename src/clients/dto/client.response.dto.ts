import Bowser from 'bowser';
import type { Client } from '../client.entity';
import { ClientEnding, endingOf } from '../client-rules';

/** "Firefox 128", "Windows 10": what a person recognises, read from the user agent; null when unknown. */
function deviceOf(userAgent: string | null): { browser: string | null; os: string | null } {
  if (!userAgent) return { browser: null, os: null };
  const { browser, os } = Bowser.parse(userAgent);
  const named = (name?: string, version?: string) => (name ? [name, version].filter(Boolean).join(' ') : null);
  return { browser: named(browser.name, browser.version?.split('.')[0]), os: named(os.name, os.versionName ?? os.version) };
}

export class ClientResponseDto {
  id!: string;
  createdAt!: string;
  lastUsedAt!: string;
  /** When the client ends unless refreshed: the idle deadline, capped by the absolute one. */
  expiresAt!: string;
  /** Last seen user agent and address: of the login, then of the latest refresh. */
  userAgent!: string | null;
  ip!: string | null;
  /** The browser and operating system read from `userAgent` (bowser), e.g. "Chrome 140", "macOS Sonoma". */
  browser!: string | null;
  os!: string | null;
  permanent!: boolean;
  /** True for the client of the access token that asked. */
  current!: boolean;
  /** Bound to a DPoP key (API.md §14): its tokens work only beside proofs by the device's key. */
  bound!: boolean;
  /** The upstream provider this client signed in through (API.md §12); absent for other logins. */
  provider?: string;
  /** The application this session signed in to through us (OpenID Connect, API.md §13); null for our own sign-ins. */
  application!: { clientId: string; name: string } | null;

  static of(client: Client, currentClientId: string): ClientResponseDto {
    return {
      id: client.id,
      createdAt: client.createdAt.toISOString(),
      lastUsedAt: client.lastUsedAt.toISOString(),
      expiresAt: client.expiresAt.toISOString(),
      userAgent: client.userAgent,
      ip: client.ip,
      ...deviceOf(client.userAgent),
      permanent: client.permanent,
      current: client.id === currentClientId,
      bound: client.dpopJkt !== null,
      ...(client.identityProvider && { provider: client.identityProvider }),
      application: client.applicationId ? { clientId: client.applicationId, name: client.applicationName ?? client.applicationId } : null,
    };
  }
}

/** With `?include=ended`: when and why each client ended, and who ended it (for a reuse, the second presenter). */
export class ClientHistoryResponseDto extends ClientResponseDto {
  endedAt!: string | null;
  endReason!: ClientEnding | null;
  endedBy!: { ip: string | null; userAgent: string | null; browser: string | null; os: string | null } | null;

  static ofHistory(client: Client, currentClientId: string, now: number): ClientHistoryResponseDto {
    const ending = endingOf(client, now);
    const endedAt = client.endedAt ?? (ending ? client.expiresAt : null);
    return {
      ...ClientResponseDto.of(client, currentClientId),
      endedAt: endedAt?.toISOString() ?? null,
      endReason: ending,
      endedBy:
        client.endedAt && (client.endedByIp || client.endedByUserAgent)
          ? { ip: client.endedByIp, userAgent: client.endedByUserAgent, ...deviceOf(client.endedByUserAgent) }
          : null,
    };
  }
}
