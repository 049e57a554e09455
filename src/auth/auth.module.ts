import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ClientsModule } from '../clients/clients.module';
import { KeysModule } from '../keys/keys.module';
import { UsersModule } from '../users/users.module';
import { AccessTokensService } from './access-tokens.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { IntrospectionService } from './introspection.service';
import { MetadataController } from './metadata.controller';
import { OAuthController } from './oauth.controller';
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
  controllers: [AuthController, OAuthController, MetadataController, SessionPolicyController, BrowserClientController],
  providers: [
    AuthService,
    AccessTokensService,
    IntrospectionService,
    LoginThrottleService,
    WindowCounters,
    LocalStrategy,
    SessionCookies,
    // CSRF first: a forged cookie-mode request is refused before anything reads or changes state.
    { provide: APP_GUARD, useClass: CsrfGuard },
    { provide: APP_GUARD, useClass: AccessTokenGuard },
  ],
})
export class AuthModule {}
