import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import type { Client } from '../clients/client.entity';
import { deadReason } from '../clients/client-rules';
import { ClientsService } from '../clients/clients.service';
import { Clock } from '../common/clock';
import type { Caller } from '../common/current-user.decorator';
import { AUTH_OPTIONS, type AuthModuleOptions } from './auth.options';
import { JwtRejected, signJwt, verifyJwt } from '../keys/jwt';
import { CLOCK_TOLERANCE_SECONDS, KeysService } from '../keys/keys.service';
import { ACCESS_TOKEN_MAX_BYTES, AccessTokenClaimsRegistry } from './access-token-claims.registry';
import { AccessTokenTooLargeException } from './access-token-too-large.exception';
import { AccessRejection, AccessTokenRejectedException } from '../common/access-token-rejected.exception';
import { AccessTokenDto } from './dto/tokens.response.dto';
import { earnedScope } from './scope-policy';

/** The claims of our access tokens (RFC 9068 profile, `typ: at+jwt`). */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  /** The user's roles at issue (RFC 9068 §2.2.3.1); the guard checks the current ones. */
  roles: string[];
  /** Space-separated (RFC 6749 §3.3), only when the client was granted a scope. */
  scope?: string;
  /** When the user last proved who they are on this client, seconds (OIDC Core §2; @RecentAuth reads it). */
  auth_time: number;
  /** RFC 9449 §6: the thumbprint of the DPoP key the token is bound to; only for a bound client. */
  cnf?: { jkt: string };
  /** How the user proved who they are on this client (RFC 8176: pwd, otp, hwk, user, mfa); @RequireMfa reads it. */
  amr: string[];
}

export class AccessTokenInvalid extends Error {
  constructor(readonly reason: Extract<AccessRejection, 'invalid' | 'expired'>) {
    super(reason);
  }
}

@Injectable()
export class AccessTokensService {
  /**
   * Verified tokens, remembered until their exp (plus the clock tolerance), so a token used again
   * costs no signature check. The TTL (on our Clock) only evicts; whether a
   * remembered token has expired is checked on every hit.
   */
  private readonly verified: LRUCache<string, AccessTokenClaims>;

  constructor(
    private readonly keys: KeysService,
    private readonly clients: ClientsService,
    @Inject(AUTH_OPTIONS) private readonly config: AuthModuleOptions,
    private readonly clock: Clock,
    private readonly extraClaims: AccessTokenClaimsRegistry,
  ) {
    this.verified = new LRUCache({ max: 10_000, perf: { now: () => this.clock.now() } });
  }

  /**
   * An access token for the client; it never outlives the client's own deadline. Claims providers
   * add to it (never over a reserved claim); a token beyond ACCESS_TOKEN_MAX_BYTES is refused.
   */
  async issue(
    client: Pick<Client, 'id' | 'userId' | 'expiresAt' | 'authenticatedAt' | 'amr'> & Partial<Pick<Client, 'dpopJkt' | 'applicationId'>>,
    grant: { roles: readonly string[]; scope: string | null },
  ): Promise<AccessTokenDto> {
    const now = Math.floor(this.clock.now() / 1000);
    const exp = Math.min(now + this.config.accessTtl, Math.floor(client.expiresAt.getTime() / 1000));
    const key = this.keys.signingKey();
    // Only what the user's current roles still earn: a role taken away takes its scope with it at the next refresh.
    const scope = earnedScope(grant.scope, grant.roles, this.config.openScopes);
    const roles = applicationRoles(client, grant.roles, scope);
    const subject = { userId: client.userId, clientId: client.id, roles, scope };
    const claims: AccessTokenClaims = {
      ...this.extraClaims.extraClaims(subject),
      iss: this.config.issuer,
      aud: this.config.audience,
      sub: client.userId,
      sid: client.id,
      jti: randomUUID(),
      iat: now,
      exp,
      auth_time: Math.floor(client.authenticatedAt.getTime() / 1000),
      amr: client.amr.split(' '),
      roles: [...roles],
      ...(scope && { scope }),
      ...(client.dpopJkt && { cnf: { jkt: client.dpopJkt } }),
    };
    const accessToken = await signJwt(claims, key, { typ: 'at+jwt' });
    if (Buffer.byteLength(accessToken) > ACCESS_TOKEN_MAX_BYTES) throw new AccessTokenTooLargeException();
    return { accessToken, tokenType: client.dpopJkt ? 'DPoP' : 'Bearer', expiresIn: exp - now };
  }

  /**
   * The token's claims if we signed it with a live key, for our issuer and audience, within its
   * lifetime (RFC 8725, RFC 9068 §4). That lifetime is at most AUTH_ACCESS_TTL and starts no later
   * than now, so a leaked key cannot mint long-lived tokens. Whether its client is still live is the
   * caller's question.
   */
  async verify(token: string): Promise<AccessTokenClaims> {
    const now = this.clock.now() / 1000;
    const cached = this.verified.get(token);
    if (cached && cached.exp + CLOCK_TOLERANCE_SECONDS > now) return cached;
    let claims;
    try {
      claims = await verifyJwt(token, {
        typ: 'at+jwt',
        key: (kid) => this.keys.verificationKey(kid),
        issuer: this.config.issuer,
        audience: this.config.audience,
        maxLifetime: this.config.accessTtl,
        now: this.clock.now(),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'sid', 'jti'],
      });
    } catch (error) {
      throw error instanceof JwtRejected ? new AccessTokenInvalid(error.reason) : error;
    }
    // jose checks that they are present, not what they are.
    if (typeof claims.sid !== 'string' || typeof claims.jti !== 'string' || typeof claims.sub !== 'string') throw new AccessTokenInvalid('invalid');

    const verified = claims as unknown as AccessTokenClaims;
    const ttl = Math.floor((verified.exp + CLOCK_TOLERANCE_SECONDS - now) * 1000);
    if (ttl > 0) this.verified.set(token, verified, { ttl }); // a ttl of 0 would mean "forever"
    return verified;
  }

  /** AUTH_REAUTH_MAX_AGE (seconds): how recent auth_time must be on a @RecentAuth() route without a max age of its own. */
  get reauthMaxAge(): number {
    return this.config.reauthMaxAge;
  }

  /** AUTH_MFA_REQUIRED_ROLES: a route guarded by one of them also needs `mfa` in amr. */
  get mfaRequiredRoles(): readonly string[] {
    return this.config.mfaRequiredRoles ?? [];
  }

  /**
   * A verified token whose client is still live, or AccessTokenRejectedException. A valid signature
   * is not enough: an ended client's tokens are refused at once (ClientStateCache states the bound
   * across instances).
   */
  async authenticate(
    token: string,
  ): Promise<{ claims: AccessTokenClaims; caller: Caller; roles: string[]; scope: string | null; application: string | null }> {
    let claims: AccessTokenClaims;
    try {
      claims = await this.verify(token);
    } catch (error) {
      if (error instanceof AccessTokenInvalid) throw new AccessTokenRejectedException(error.reason, true);
      throw error;
    }
    const client = await this.clients.state(claims.sid);
    if (!client || client.userId !== claims.sub) throw new AccessTokenRejectedException('invalid', true);
    const dead = client.userDisabled ? 'revoked' : deadReason(client, this.clock.now());
    if (dead) throw new AccessTokenRejectedException(dead, true);
    // roles: the user's current ones; scope: what of the token's scope they still earn (a role scope goes with its role).
    const scope = earnedScope(claims.scope ?? null, client.userRoles, this.config.openScopes);
    const roles = [...applicationRoles(client, client.userRoles, scope)];
    const caller = { userId: client.userId, clientId: client.id, tokenExpiresAt: claims.exp };
    return { claims, caller, roles, scope, application: client.applicationId ?? null };
  }
}

/**
 * An application's client (API.md §13) holds only the roles its scope names: the app never gets more
 * than both the user has and the app was granted. Our own clients hold the user's roles.
 */
function applicationRoles(client: Partial<Pick<Client, 'applicationId'>>, roles: readonly string[], scope: string | null): readonly string[] {
  if (!client.applicationId) return roles;
  const granted = new Set(scope?.split(' ') ?? []);
  return roles.filter((role) => granted.has(role));
}
