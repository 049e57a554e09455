import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../../common/current-user.decorator';
import { IS_PUBLIC } from '../../common/public.decorator';
import { AccessForbiddenException } from '../access-forbidden.exception';
import { AccessTokenRejectedException } from '../access-token-rejected.exception';
import { AccessTokensService } from '../access-tokens.service';
import { bearerToken } from '../bearer-token';
import { REQUIRED_ROLES } from '../roles.decorator';
import { REQUIRED_SCOPES } from '../scopes.decorator';
import { SessionCookies } from '../session-cookies';

/** Global guard: every route needs a live access token unless it is marked @Public(). */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokens: AccessTokensService,
    private readonly cookies: SessionCookies,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Caller }>();
    // No Authorization header: the access cookie of cookie mode (CsrfGuard has vetted unsafe requests).
    const authorization = request.headers.authorization;
    const token = authorization === undefined ? this.cookies.access(request) : bearerToken(authorization);
    if (!token) throw new AccessTokenRejectedException('invalid', false);
    const { caller, roles, scope } = await this.accessTokens.authenticate(token);
    request.user = caller;
    this.authorize(context, roles, scope ?? undefined);
    return true;
  }

  /** @Roles: any of them among the user's current roles; @Scopes: all of them in the token's scope, as still earned. */
  private authorize(context: ExecutionContext, roles: string[], scope: string | undefined): void {
    const targets = [context.getHandler(), context.getClass()];
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targets);
    if (required && !required.some((role) => roles.includes(role))) throw new AccessForbiddenException('insufficient_role');
    const scopes = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES, targets);
    if (scopes?.length) {
      const granted = scope?.split(' ') ?? [];
      if (!scopes.every((s) => granted.includes(s))) throw new AccessForbiddenException('insufficient_scope');
    }
  }
}
