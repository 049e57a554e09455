import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../../common/http-error';
import { IS_PUBLIC } from '../../common/public.decorator';

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

  override handleRequest<T>(error: unknown, caller: T, _info: unknown, context: ExecutionContext): T {
    if (caller && !error) return caller;
    // RFC 6750 §3: name the scheme always, and say invalid_token when a token was presented.
    const authorization = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const presented = typeof authorization === 'string' && /^bearer\s+\S/i.test(authorization);
    const challenge = presented ? 'Bearer error="invalid_token"' : 'Bearer';
    throw new HttpError(401, 'Unauthorized', presented ? 'Invalid or expired access token' : 'Missing access token', {
      'WWW-Authenticate': challenge,
    });
  }
}
