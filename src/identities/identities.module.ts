import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { MailModule } from '../mail';
import { RateLimitModule } from '../rate-limit';
import { EmailSignIn } from './email-sign-in.entity';
import { EmailSignInController } from './email-sign-in.controller';
import { EmailSignInsService } from './email-sign-ins.service';
import { IdentitiesConfigurableModule } from './identities.options';
import { SignInFinisher } from './sign-in-finisher';
import { UserIdentity } from './user-identity.entity';

/** Signing in by email and through upstream providers (API.md §12). */
@Module({
  imports: [TypeOrmModule.forFeature([EmailSignIn, UserIdentity]), AuthModule, MailModule, RateLimitModule],
  controllers: [EmailSignInController],
  providers: [EmailSignInsService, SignInFinisher],
})
export class IdentitiesModule extends IdentitiesConfigurableModule {}
