import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../../common/clock';
import type { Caller } from '../../common/current-user.decorator';
import { IS_PUBLIC } from '../../common/public.decorator';
import { AccessForbiddenException } from '../access-forbidden.exception';
import { AccessTokenRejectedException } from '../../common/access-token-rejected.exception';
import { AccessTokenClaims, AccessTokensService } from '../access-tokens.service';
import { authorizationToken } from '../bearer-token';
import { DpopRejectedException, DpopService } from '../../dpop';
import { ReauthenticationRequiredException } from '../reauthentication-required.exception';
import { RECENT_AUTH, type RecentAuthRequirement } from '../recent-auth.decorator';
import { MfaRequiredException } from '../mfa-required.exception';
import { REQUIRE_MFA } from '../require-mfa.decorator';
import { REQUIRED_ROLES } from '../roles.decorator';
import { REQUIRED_SCOPES } from '../scopes.decorator';
import { SessionCookies } from '../session-cookies';

/** AUTH_REAUTH_MAX_AGE's default, in seconds. */
const DEFAULT_REAUTH_MAX_AGE = 600;

/** Global guard: every route needs a live access token unless it is marked @Public(). */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokens: AccessTokensService,
    private readonly cookies: SessionCookies,
    private readonly clock: Clock,
    private readonly dpop: DpopService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Caller }>();
    // No Authorization header: the access cookie of cookie mode (CsrfGuard has vetted unsafe requests).
    const authorization = request.headers.authorization;
    const presented =
      authorization === undefined ? { scheme: 'cookie' as const, token: this.cookies.access(request) } : authorizationToken(authorization);
    if (!presented?.token) throw new AccessTokenRejectedException('invalid', false);
    const { caller, claims, roles, scope, application } = await this.accessTokens.authenticate(presented.token);
    // The hot path: an unbound Bearer token costs this one look at its claims and the scheme.
    if (claims.cnf !== undefined || presented.scheme === 'DPoP' || this.dpop.required) {
      await this.checkProof(context, { scheme: presented.scheme, token: presented.token }, claims);
    }
    request.user = caller;
    this.authorize(context, roles, scope ?? undefined, application);
    this.requireMfa(context, claims);
    this.requireRecentAuth(context, claims);
    return true;
  }

  /**
   * RFC 9449 §7: a bound token travels as `Authorization: DPoP` with a proof by its key that hashes it
   * in `ath`. In cookie mode the page cannot read its HttpOnly cookie to hash it: the proof by the
   * key is required, `ath` is not. A Bearer-sent bound token, a DPoP-sent unbound one, or (AUTH_DPOP=required)
   * any unbound one is refused.
   */
  private async checkProof(context: ExecutionContext, presented: { scheme: 'Bearer' | 'DPoP' | 'cookie'; token: string }, claims: AccessTokenClaims) {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const jkt = typeof claims.cnf?.jkt === 'string' ? claims.cnf.jkt : null;
    if (!jkt)
      throw new DpopRejectedException(
        'invalid_token',
        this.dpop.required ? 'A DPoP-bound access token is required' : 'The access token is not DPoP-bound',
        'resource',
      );
    if (presented.scheme === 'Bearer')
      throw new DpopRejectedException('invalid_token', 'A DPoP-bound access token must be sent as Authorization: DPoP', 'resource');
    const proof = await this.dpop.proofOf(request, 'resource', presented.scheme === 'DPoP' ? presented.token : undefined);
    if (!proof) throw this.dpop.missing('resource');
    if (proof.jkt !== jkt) throw this.dpop.wrongKey('resource');
    this.dpop.offerNonce(context.switchToHttp().getResponse<FastifyReply>());
  }

  /** @RequireMfa, or a route of an AUTH_MFA_REQUIRED_ROLES role: the session proved two kinds of factor (RFC 8176 `mfa`). */
  private requireMfa(context: ExecutionContext, claims: AccessTokenClaims): void {
    const targets = [context.getHandler(), context.getClass()];
    // A host app that built AuthModule's options without mfaRequiredRoles has none.
    const mfaRoles = this.accessTokens.mfaRequiredRoles ?? [];
    const required =
      this.reflector.getAllAndOverride<boolean | undefined>(REQUIRE_MFA, targets) === true ||
      (this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targets) ?? []).some((role) => mfaRoles.includes(role));
    // A token without amr (signed before the claim existed) never counts as mfa.
    if (required && !(Array.isArray(claims.amr) && claims.amr.includes('mfa'))) throw new MfaRequiredException();
  }

  /** @RecentAuth: the token's auth_time is within the route's max age (RFC 9470), by our clock. */
  private requireRecentAuth(context: ExecutionContext, claims: AccessTokenClaims): void {
    const requirement = this.reflector.getAllAndOverride<RecentAuthRequirement | undefined>(RECENT_AUTH, [context.getHandler(), context.getClass()]);
    if (!requirement) return;
    // A host app that built AuthModule's options without reauthMaxAge gets the documented default, never no limit.
    const maxAge = requirement.maxAge ?? this.accessTokens.reauthMaxAge ?? DEFAULT_REAUTH_MAX_AGE;
    // A token without auth_time (signed before the claim existed) never counts as recent.
    const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : -Infinity;
    if (this.clock.now() / 1000 - authTime > maxAge) throw new ReauthenticationRequiredException(maxAge);
  }

  /**
   * @Roles: any of them among the user's current roles; @Scopes: all of them in the token's scope, as
   * still earned. An application's token (API.md §13) acts for the user only as far as its scope says:
   * a route that names no scope and no role is the user's own (their devices, profile, factors,
   * sign-out), which no consent to an app covers.
   */
  private authorize(context: ExecutionContext, roles: string[], scope: string | undefined, application: string | null): void {
    const targets = [context.getHandler(), context.getClass()];
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targets);
    if (required && !required.some((role) => roles.includes(role))) throw new AccessForbiddenException('insufficient_role');
    const scopes = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES, targets);
    if (application !== null && !required?.length && !scopes?.length) throw new AccessForbiddenException('insufficient_scope');
    if (scopes?.length) {
      const granted = scope?.split(' ') ?? [];
      if (!scopes.every((s) => granted.includes(s))) throw new AccessForbiddenException('insufficient_scope');
    }
  }
}
