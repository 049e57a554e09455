import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ClientsModule } from '../clients/clients.module';
import { EventsModule } from '../events';
import { KeysModule } from '../keys/keys.module';
import { RateLimitModule } from '../rate-limit';
import { UsersModule } from '../users/users.module';
import { AccessTokenClaimsRegistry } from './access-token-claims.registry';
import { AccessTokensService } from './access-tokens.service';
import { AuthController } from './auth.controller';
import { AUTH_ASYNC_OPTIONS_TYPE, AuthConfigurableModule, AUTH_OPTIONS_TYPE } from './auth.options';
import { AuthService } from './auth.service';
import { AccessTokenGuard } from './guards/access-token.guard';
import { CsrfGuard } from './guards/csrf.guard';
import { SessionCookies } from './session-cookies';
import { BrowserClientController } from './browser-client.controller';
import { SessionPolicyController } from './session-policy.controller';
import { LocalStrategy } from './local.strategy';
import { SecondFactorsRegistry } from './second-factors.registry';

/**
 * Login, access tokens, cookie mode: `AuthModule.forRoot({ ...options, globalGuard })`. The modules
 * it imports are configured by the shell beside it (their own forRoot).
 */
@Module({
  imports: [PassportModule, UsersModule, ClientsModule, KeysModule, RateLimitModule, EventsModule],
  controllers: [AuthController, SessionPolicyController, BrowserClientController],
  providers: [
    AuthService,
    AccessTokensService,
    AccessTokenClaimsRegistry,
    SecondFactorsRegistry,
    LocalStrategy,
    SessionCookies,
    AccessTokenGuard,
    // CSRF first, always: a forged cookie-mode request is refused before anything reads or changes state.
    { provide: APP_GUARD, useClass: CsrfGuard },
  ],
  // The guard and what it needs, so a host app can say @UseGuards(AccessTokenGuard); and the users,
  // clients and events Auth is built on, so what sits above it (OAuth, admin, features) imports Auth alone.
  exports: [
    AuthService,
    AccessTokensService,
    AccessTokenClaimsRegistry,
    SecondFactorsRegistry,
    SessionCookies,
    AccessTokenGuard,
    UsersModule,
    ClientsModule,
    EventsModule,
  ],
})
export class AuthModule extends AuthConfigurableModule {
  static forRoot(options: typeof AUTH_OPTIONS_TYPE): DynamicModule {
    return withGlobalGuard(super.forRoot(options), options.globalGuard);
  }

  static forRootAsync(options: typeof AUTH_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withGlobalGuard(super.forRootAsync(options), options.globalGuard);
  }
}

/** globalGuard (default true): every route needs an access token unless it is @Public(). */
function withGlobalGuard(module: DynamicModule, globalGuard = true): DynamicModule {
  if (!globalGuard) return module;
  return { ...module, providers: [...(module.providers ?? []), { provide: APP_GUARD, useExisting: AccessTokenGuard }] };
}
