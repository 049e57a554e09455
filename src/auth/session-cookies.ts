import { Inject, Injectable } from '@nestjs/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../common/clock';
import { AUTH_OPTIONS, type AuthModuleOptions } from './auth.options';
import type { AccessTokenDto, TokensDto } from './dto/tokens.response.dto';

/** The header that asks for cookie mode (API.md §7); a cross-site page cannot send it without a CORS preflight. */
export const SESSION_TRANSPORT_HEADER = 'x-session-transport';

/** The refresh cookie is sent to the token endpoints only (/token and /token/reject). */
const REFRESH_PATH = '/token';

/**
 * Cookie mode's two cookies: names, attributes, reading and writing. `__Host-` (no Domain, Path=/)
 * and `__Secure-` prefixes make the browser refuse cookies planted by a sibling subdomain or over http.
 */
@Injectable()
export class SessionCookies {
  readonly accessName: string;
  readonly refreshName: string;
  private readonly allowedOrigins: Set<string>;
  private readonly config: AuthModuleOptions['sessionCookies'];

  constructor(
    @Inject(AUTH_OPTIONS) options: AuthModuleOptions,
    private readonly clock: Clock,
  ) {
    this.config = options.sessionCookies;
    this.accessName = this.config.secure ? '__Host-access-token' : 'access-token';
    this.refreshName = this.config.secure ? '__Secure-refresh-token' : 'refresh-token';
    // The public origin (AUTH_ISSUER) counts as our own: behind a TLS proxy the request itself says http.
    this.allowedOrigins = new Set([...options.corsOrigins, new URL(options.issuer).origin]);
  }

  /** True when the request asks for cookie mode. */
  requested(request: FastifyRequest): boolean {
    return (
      String(request.headers[SESSION_TRANSPORT_HEADER] ?? '')
        .trim()
        .toLowerCase() === 'cookie'
    );
  }

  access(request: FastifyRequest): string | undefined {
    return request.cookies?.[this.accessName] || undefined;
  }

  refresh(request: FastifyRequest): string | undefined {
    return request.cookies?.[this.refreshName] || undefined;
  }

  /** The service's own origin (as the request addressed it, or AUTH_ISSUER's) or one of CORS_ORIGINS. */
  isAllowedOrigin(request: FastifyRequest, origin: string): boolean {
    return origin === `${request.protocol}://${request.host}` || this.allowedOrigins.has(origin);
  }

  /** Sets the access cookie and, for a permanent client, the refresh cookie; clears a stale refresh cookie otherwise. */
  set(reply: FastifyReply, token: TokensDto): void {
    this.setAccess(reply, token);
    if (token.refreshToken && token.refreshExpiresAt) {
      const remaining = Math.floor((Date.parse(token.refreshExpiresAt) - this.clock.now()) / 1000);
      reply.setCookie(this.refreshName, token.refreshToken, this.options(REFRESH_PATH, this.refreshSameSite(), Math.max(remaining, 0)));
    } else {
      reply.setCookie(this.refreshName, '', this.options(REFRESH_PATH, this.refreshSameSite(), 0));
    }
  }

  /** Replaces the access cookie only. */
  setAccess(reply: FastifyReply, token: AccessTokenDto): void {
    reply.setCookie(this.accessName, token.accessToken, this.options('/', this.config.sameSite, token.expiresIn));
  }

  clear(reply: FastifyReply): void {
    reply.setCookie(this.accessName, '', this.options('/', this.config.sameSite, 0));
    reply.setCookie(this.refreshName, '', this.options(REFRESH_PATH, this.refreshSameSite(), 0));
  }

  private refreshSameSite(): 'strict' | 'none' {
    return this.config.sameSite === 'none' ? 'none' : 'strict';
  }

  private options(path: string, sameSite: 'lax' | 'strict' | 'none', maxAge: number): CookieSerializeOptions {
    return { path, sameSite, maxAge, httpOnly: true, secure: this.config.secure };
  }
}
