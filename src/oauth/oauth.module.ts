import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { ClientsModule } from '../clients/clients.module';
import { RateLimitModule } from '../rate-limit';
import { UsersModule } from '../users/users.module';
import { IntrospectionService } from './introspection.service';
import { MetadataController } from './metadata.controller';
import { OAuthController } from './oauth.controller';

/** The RFC 6749/7009/7662/8414 surface, on top of AuthModule's services. */
@Module({
  imports: [AuthModule, ClientsModule, UsersModule, RateLimitModule],
  controllers: [OAuthController, MetadataController],
  providers: [IntrospectionService],
})
export class OAuthModule {}
