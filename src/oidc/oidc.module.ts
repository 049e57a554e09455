import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { WebhooksModule } from '../events';
import { KeysModule } from '../keys/keys.module';
import { Application } from './application.entity';
import { ApplicationsService } from './applications.service';
import { AuthorizationCode } from './authorization-code.entity';
import { AuthorizationService } from './authorization.service';
import { AuthorizeController } from './authorize.controller';
import { BackchannelLogoutService } from './backchannel-logout.service';
import { BrowserSessionService } from './browser-session.service';
import { ClientAssertion } from './client-assertion.entity';
import { ClientAuthenticationService } from './client-authentication.service';
import { Consent } from './consent.entity';
import { ConsentsService } from './consents.service';
import { IdTokensService } from './id-tokens.service';
import { OidcController } from './oidc.controller';
import { OidcConfigurableModule } from './oidc.options';

/**
 * The OpenID Connect provider (API.md §13): applications, /authorize and consent, ID and logout
 * tokens, UserInfo, logout. `OidcModule.forRoot(options)`. The token endpoint stays OAuth's, which
 * uses the services exported here; the admin API registers applications through ApplicationsService.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Application, AuthorizationCode, Consent, ClientAssertion]), AuthModule, KeysModule, WebhooksModule],
  controllers: [AuthorizeController, OidcController],
  providers: [
    ApplicationsService,
    AuthorizationService,
    BackchannelLogoutService,
    BrowserSessionService,
    ClientAuthenticationService,
    ConsentsService,
    IdTokensService,
  ],
  exports: [ApplicationsService, AuthorizationService, ClientAuthenticationService],
})
export class OidcModule extends OidcConfigurableModule {}
