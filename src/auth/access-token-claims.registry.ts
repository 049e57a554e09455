import { Injectable } from '@nestjs/common';

/** Who an access token is being issued to, for a claims provider. */
export interface TokenSubject {
  userId: string;
  clientId: string;
  roles: readonly string[];
  scope: string | null;
}

/** Adds claims to every access token; called at issue, so it must be synchronous and cheap. */
export type ClaimsProvider = (subject: TokenSubject) => Record<string, unknown>;

/** Claims our own checks rely on; a provider's value for one of them is ignored, never merged. */
export const RESERVED_CLAIMS = new Set([
  'iss',
  'aud',
  'sub',
  'sid',
  'exp',
  'iat',
  'nbf',
  'jti',
  'roles',
  'scope',
  'typ',
  'client_id',
  'auth_time',
  'amr',
]);

/** The most an access token may weigh (compact JWS bytes); bigger ones are refused at issue. */
export const ACCESS_TOKEN_MAX_BYTES = 4096;

/**
 * Where feature modules add claims to access tokens: inject it and call register() in onModuleInit.
 * Providers run in registration order; a later one overrides an earlier one's claim.
 */
@Injectable()
export class AccessTokenClaimsRegistry {
  private readonly providers: ClaimsProvider[] = [];

  register(provider: ClaimsProvider): void {
    this.providers.push(provider);
  }

  /** The providers' claims, without the reserved ones. */
  extraClaims(subject: TokenSubject): Record<string, unknown> {
    const claims: Record<string, unknown> = {};
    for (const provider of this.providers) {
      for (const [name, value] of Object.entries(provider(subject))) {
        if (!RESERVED_CLAIMS.has(name)) claims[name] = value;
      }
    }
    return claims;
  }
}
