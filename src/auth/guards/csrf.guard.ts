import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../../common/public.decorator';
import { COOKIE_TRANSPORT, CookieTransportOptions } from '../cookie-transport.interceptor';
import { CsrfRejectedException } from '../csrf-rejected.exception';
import { ORIGIN_CHECKED } from '../../common/origin-checked.decorator';
import { SessionCookies } from '../session-cookies';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one CSRF rule of cookie mode (API.md §7). A request that a cookie would authenticate or that
 * asks for cookie mode, with an unsafe method, must carry `X-Session-Transport: cookie` (a cross-site
 * page cannot send it without a preflight, which CORS refuses) and, when it says where it comes from,
 * come from our own origin (or AUTH_ISSUER's) or CORS_ORIGINS. Guards run before any handler, so a
 * refused request changes nothing.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly cookies: SessionCookies,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const targets = [context.getHandler(), context.getClass()];
    if (SAFE_METHODS.has(request.method)) {
      const cookieAuthenticated = request.headers.authorization === undefined && this.cookies.access(request) !== undefined;
      if (!cookieAuthenticated || !this.reflector.getAllAndOverride<boolean>(ORIGIN_CHECKED, targets)) return true;
      return this.originAllowed(request) && this.notFromAnotherSite(request);
    }
    const transport = this.reflector.getAllAndOverride<CookieTransportOptions | undefined>(COOKIE_TRANSPORT, targets);
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets);
    const cookieMode = this.cookies.requested(request);
    const usesCookies =
      (transport !== undefined && (cookieMode || (transport.readsRefreshCookie === true && this.cookies.refresh(request) !== undefined))) ||
      (!isPublic && request.headers.authorization === undefined && this.cookies.access(request) !== undefined);
    if (!usesCookies) return true;
    if (!cookieMode) throw new CsrfRejectedException('A request authenticated by a session cookie must send X-Session-Transport: cookie');
    return this.originAllowed(request);
  }

  /**
   * A GET in no-cors mode (`<img>`, `<script>`, `fetch(url, {mode: 'no-cors'})`) carries no Origin, yet a
   * page on another port of this host is same-site and gets the Lax cookie: Fetch Metadata says where it
   * came from. A browser that sends neither header cannot be told apart, and is let through.
   */
  private notFromAnotherSite(request: FastifyRequest): boolean {
    const site = request.headers['sec-fetch-site'];
    if (request.headers.origin === undefined && (site === 'same-site' || site === 'cross-site')) {
      throw new CsrfRejectedException('Cross-origin request refused: a page of another origin may not use session cookies here');
    }
    return true;
  }

  /** Every request that uses cookies unsafely, and cookie-authenticated @OriginChecked ones: a present Origin must be allowed. */
  private originAllowed(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (origin !== undefined && !this.cookies.isAllowedOrigin(request, origin)) {
      throw new CsrfRejectedException('Cross-origin request refused: the origin is not allowed to use session cookies');
    }
    return true;
  }
}
