import { ConfigurableModuleBuilder, Module } from '@nestjs/common';
import type { Env } from '../config/env';
import { holdOptions } from '../common/module-options';

/**
 * AuthModule's options: what access tokens carry (issuer, audience, lifetime), cookie mode (its
 * cookies, and the origins besides the issuer's its requests may come from), and the settings
 * GET /.well-known/session-policy publishes.
 */
export type AuthModuleOptions = Pick<
  Env['auth'],
  | 'issuer'
  | 'audience'
  | 'accessTtl'
  | 'refreshIdleTtl'
  | 'refreshAbsoluteTtl'
  | 'refreshGrace'
  | 'clientCacheTtl'
  | 'clientRetention'
  | 'signup'
  | 'loginWindow'
  | 'loginMaxFailuresPerUserAddress'
  | 'loginMaxFailuresPerUser'
  | 'loginMaxFailuresPerDevice'
  | 'loginMaxFailuresPerAddress'
  | 'loginMaxSuccessesPerAddress'
  | 'reauthMaxAge'
  | 'openScopes'
> & {
  sessionCookies: Env['sessionCookies'];
  corsOrigins: string[];
  /** AUTH_MFA_REQUIRED_ROLES: routes guarded by one of these roles also need `mfa` in amr (optional for host apps). */
  mfaRequiredRoles?: string[];
};

export const AUTH_OPTIONS = 'AUTH_OPTIONS';

/** Holds AuthModule's options (see common/module-options.ts). */
@Module({})
class AuthOptionsModule {}

export const {
  ConfigurableModuleClass: AuthConfigurableModule,
  OPTIONS_TYPE: AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthModuleOptions>({ optionsInjectionToken: AUTH_OPTIONS })
  .setClassMethodName('forRoot')
  // globalGuard: every route needs an access token unless @Public() (this app); false leaves
  // guarding to @UseGuards(AccessTokenGuard) in the host app.
  .setExtras({ globalGuard: true }, (definition) => holdOptions(definition, AuthOptionsModule, AUTH_OPTIONS))
  .build();
