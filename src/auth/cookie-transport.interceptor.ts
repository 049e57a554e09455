import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, map, Observable, throwError } from 'rxjs';
import { HttpError } from '../common/http-error';
import type { TokensDto } from './dto/tokens.response.dto';
import { SessionCookies } from './session-cookies';

export const COOKIE_TRANSPORT = 'cookieTransport';

export interface CookieTransportOptions {
  /** The route takes its refresh token from the refresh cookie in cookie mode (POST /token, /token/reject). */
  readsRefreshCookie?: boolean;
  /** The route answers an access token only (POST /auth/reauthenticate): the refresh cookie stays as it is. */
  setsAccessOnly?: boolean;
}

/**
 * Cookie mode for one route: the refresh token comes from its cookie instead of the body, tokens in
 * a response go to cookies and leave the body, an ended or refused session clears both cookies.
 * CsrfGuard has already run (guards run before interceptors).
 */
@Injectable()
export class CookieTransportInterceptor implements NestInterceptor {
  constructor(
    private readonly cookies: SessionCookies,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!this.cookies.requested(request)) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const options = this.reflector.get<CookieTransportOptions>(COOKIE_TRANSPORT, context.getHandler()) ?? {};
    // Pipes run after interceptors, so the body validated downstream is this one.
    if (options.readsRefreshCookie) request.body = { refreshToken: this.cookies.refresh(request) ?? '' };
    return next.handle().pipe(
      map((result: unknown) => {
        const token = (result as { token?: TokensDto } | undefined)?.token;
        if (!token) {
          this.cookies.clear(reply);
          return result;
        }
        if (options.setsAccessOnly) this.cookies.setAccess(reply, token);
        else this.cookies.set(reply, token);
        const { accessToken: _access, refreshToken: _refresh, ...deadlines } = token;
        return { ...(result as object), token: deadlines };
      }),
      catchError((error: unknown) => {
        // A refused refresh token is dead for good (API.md §4): drop the cookies that hold it.
        if (options.readsRefreshCookie && error instanceof HttpError && error.getStatus() === 401) this.cookies.clear(reply);
        return throwError(() => error);
      }),
    );
  }
}
