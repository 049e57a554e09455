import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RateLimitModule } from '../rate-limit';
import { OidcModule } from '../oidc/oidc.module';
import { IntrospectionService } from './introspection.service';
import { MetadataController } from './metadata.controller';
import { OAuthController } from './oauth.controller';
import { OAuthConfigurableModule } from './oauth.options';

/** The RFC 6749/7009/7662/8414 surface, on top of AuthModule's services: `OAuthModule.forRoot(options)`. */
@Module({
  // OidcModule: the authorization code and client credentials grants, and client authentication (API.md §13).
  imports: [AuthModule, RateLimitModule, OidcModule],
  controllers: [OAuthController, MetadataController],
  providers: [IntrospectionService],
})
export class OAuthModule extends OAuthConfigurableModule {}
