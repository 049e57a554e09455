import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ClientsModule } from '../clients/clients.module';
import { KeysModule } from '../keys/keys.module';
import { RateLimitModule } from '../rate-limit';
import { UsersModule } from '../users/users.module';
import { AccessTokenClaimsRegistry } from './access-token-claims.registry';
import { AccessTokensService } from './access-tokens.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AccessTokenGuard } from './guards/access-token.guard';
import { CsrfGuard } from './guards/csrf.guard';
import { SessionCookies } from './session-cookies';
import { BrowserClientController } from './browser-client.controller';
import { SessionPolicyController } from './session-policy.controller';
import { LocalStrategy } from './local.strategy';

@Module({
  imports: [UsersModule, ClientsModule, KeysModule, PassportModule, RateLimitModule],
  controllers: [AuthController, SessionPolicyController, BrowserClientController],
  providers: [
    AuthService,
    AccessTokensService,
    AccessTokenClaimsRegistry,
    LocalStrategy,
    SessionCookies,
    // CSRF first: a forged cookie-mode request is refused before anything reads or changes state.
    { provide: APP_GUARD, useClass: CsrfGuard },
    { provide: APP_GUARD, useClass: AccessTokenGuard },
  ],
  exports: [AuthService, AccessTokensService, AccessTokenClaimsRegistry],
})
export class AuthModule {}
