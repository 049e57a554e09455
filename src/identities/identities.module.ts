import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { MailModule } from '../mail';
import { RateLimitModule } from '../rate-limit';
import { EmailSignIn } from './email-sign-in.entity';
import { EmailSignInController } from './email-sign-in.controller';
import { EmailSignInsService } from './email-sign-ins.service';
import { IdentitiesConfigurableModule } from './identities.options';
import { IdentitiesController } from './identities.controller';
import { IdentityLogin } from './identity-login.entity';
import { IdentityLoginsService } from './identity-logins.service';
import { ProviderSignInController } from './provider-sign-in.controller';
import { UpstreamProvidersService } from './upstream-providers.service';
import { UserIdentitiesService } from './user-identities.service';
import { SignInFinisher } from './sign-in-finisher';
import { UserIdentity } from './user-identity.entity';

/** Signing in by email and through upstream providers (API.md §12). */
@Module({
  imports: [TypeOrmModule.forFeature([EmailSignIn, UserIdentity, IdentityLogin]), AuthModule, MailModule, RateLimitModule],
  controllers: [EmailSignInController, ProviderSignInController, IdentitiesController],
  providers: [EmailSignInsService, SignInFinisher, UpstreamProvidersService, IdentityLoginsService, UserIdentitiesService],
})
export class IdentitiesModule extends IdentitiesConfigurableModule {}
