import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { Env } from '../config/env';

/**
 * AuthModule's options: the auth settings as Env['auth'] holds them, the cookie settings of cookie
 * mode, and the origins (besides the issuer's) that cookie-mode requests may come from.
 */
export type AuthModuleOptions = Env['auth'] & { sessionCookies: Env['sessionCookies']; corsOrigins: string[] };

export const {
  ConfigurableModuleClass: AuthConfigurableModule,
  MODULE_OPTIONS_TOKEN: AUTH_OPTIONS,
  OPTIONS_TYPE: AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthModuleOptions>()
  .setClassMethodName('forRoot')
  // globalGuard: every route needs an access token unless @Public() (this app); false leaves
  // guarding to @UseGuards(AccessTokenGuard) in the host app.
  .setExtras({ isGlobal: true, globalGuard: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
