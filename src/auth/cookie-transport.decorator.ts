import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { COOKIE_TRANSPORT, CookieTransportInterceptor, CookieTransportOptions } from './cookie-transport.interceptor';

/** The route speaks cookie mode (API.md §7) when asked with `X-Session-Transport: cookie`. */
export function CookieTransport(options: CookieTransportOptions = {}): MethodDecorator {
  return applyDecorators(
    SetMetadata(COOKIE_TRANSPORT, options),
    UseInterceptors(CookieTransportInterceptor),
    ApiHeader({
      name: 'X-Session-Transport',
      required: false,
      enum: ['cookie'],
      description: 'cookie: the tokens travel in HttpOnly cookies, not in the body (browser apps)',
    }),
  );
}
