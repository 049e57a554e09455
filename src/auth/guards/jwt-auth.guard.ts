import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { TokenExpiredError } from 'jsonwebtoken';
import { IS_PUBLIC } from '../../common/public.decorator';
import { AccessRejection, AccessTokenRejectedException } from '../access-token-rejected.exception';

/** Global guard: every route needs a live access token unless it is marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic || super.canActivate(context);
  }

  override handleRequest<T>(error: unknown, caller: T, info: unknown, context: ExecutionContext): T {
    if (caller && !error) return caller;
    // RFC 6750 §3: name the scheme always, and say invalid_token when a token was presented.
    const authorization = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const presented = typeof authorization === 'string' && /^bearer\s+\S/i.test(authorization);
    const reason: AccessRejection =
      error instanceof ClientEndedError ? error.reason : info instanceof TokenExpiredError ? 'expired' : 'invalid';
    throw new AccessTokenRejectedException(reason, presented);
  }
}

/** Thrown by the JWT strategy when the signature is fine but the token's client is over. */
export class ClientEndedError extends Error {
  constructor(readonly reason: AccessRejection) {
    super(reason);
  }
}
