import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../../common/current-user.decorator';
import { IS_PUBLIC } from '../../common/public.decorator';
import { AccessTokenRejectedException } from '../access-token-rejected.exception';
import { AccessTokensService } from '../access-tokens.service';
import { bearerToken } from '../bearer-token';
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
    request.user = (await this.accessTokens.authenticate(token)).caller;
    return true;
  }
}
