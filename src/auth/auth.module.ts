import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ClientsModule } from '../clients/clients.module';
import { KeysModule } from '../keys/keys.module';
import { UsersModule } from '../users/users.module';
import { AccessTokensService } from './access-tokens.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AccessTokenGuard } from './guards/access-token.guard';
import { CsrfGuard } from './guards/csrf.guard';
import { SessionCookies } from './session-cookies';
import { BrowserClientController } from './browser-client.controller';
import { LoginThrottleService } from './login-throttle.service';
import { WindowCounters } from './window-counters.service';
import { SessionPolicyController } from './session-policy.controller';
import { LocalStrategy } from './local.strategy';

@Module({
  imports: [UsersModule, ClientsModule, KeysModule, PassportModule],
  controllers: [AuthController, SessionPolicyController, BrowserClientController],
  providers: [
    AuthService,
    AccessTokensService,
    LoginThrottleService,
    WindowCounters,
    LocalStrategy,
    SessionCookies,
    // CSRF first: a forged cookie-mode request is refused before anything reads or changes state.
    { provide: APP_GUARD, useClass: CsrfGuard },
    { provide: APP_GUARD, useClass: AccessTokenGuard },
  ],
  // WindowCounters: for RefreshRateLimitGuard on the OAuth token endpoint.
  exports: [AuthService, AccessTokensService, WindowCounters],
})
export class AuthModule {}
