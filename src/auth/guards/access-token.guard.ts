import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ClientsService } from '../../clients/clients.service';
import type { Caller } from '../../common/current-user.decorator';
import { IS_PUBLIC } from '../../common/public.decorator';
import { AccessTokenRejectedException } from '../access-token-rejected.exception';
import { AccessTokenInvalid, AccessTokensService } from '../access-tokens.service';

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Global guard: every route needs a live access token unless it is marked @Public(). A valid
 * signature is not enough: the token's client must still be live, so an ended client is refused
 * at once (see ClientStateCache for the bound across instances).
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokens: AccessTokensService,
    private readonly clients: ClientsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Caller }>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw new AccessTokenRejectedException('invalid', false);
    request.user = await this.authenticate(token);
    return true;
  }

  async authenticate(token: string): Promise<Caller> {
    let claims;
    try {
      claims = await this.accessTokens.verify(token);
    } catch (error) {
      if (error instanceof AccessTokenInvalid) throw new AccessTokenRejectedException(error.reason, true);
      throw error;
    }
    const client = await this.clients.state(claims.sid);
    if (!client || client.userId !== claims.sub) throw new AccessTokenRejectedException('invalid', true);
    const now = Date.now();
    if (client.endedAt !== null) throw new AccessTokenRejectedException(client.endReason === 'reused' ? 'reused' : 'revoked', true);
    if (client.expiresAt.getTime() <= now) {
      if (!client.permanent) throw new AccessTokenRejectedException('expired', true);
      throw new AccessTokenRejectedException(client.sessionExpiresAt.getTime() <= now ? 'absolute_expired' : 'idle_expired', true);
    }
    return { userId: client.userId, clientId: client.id };
  }
}
