import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ClientsModule } from '../clients/clients.module';
import { KeysModule } from '../keys/keys.module';
import { RateLimitModule } from '../rate-limit';
import { UsersModule } from '../users/users.module';
import { AccessTokensService } from './access-tokens.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { IntrospectionService } from './introspection.service';
import { MetadataController } from './metadata.controller';
import { OAuthController } from './oauth.controller';
import { AccessTokenGuard } from './guards/access-token.guard';
import { SessionPolicyController } from './session-policy.controller';
import { LocalStrategy } from './local.strategy';

@Module({
  imports: [UsersModule, ClientsModule, KeysModule, PassportModule, RateLimitModule],
  controllers: [AuthController, OAuthController, MetadataController, SessionPolicyController],
  providers: [
    AuthService,
    AccessTokensService,
    IntrospectionService,
    LocalStrategy,
    { provide: APP_GUARD, useClass: AccessTokenGuard },
  ],
})
export class AuthModule {}
