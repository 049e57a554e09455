import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { KeysModule } from '../keys/keys.module';
import { MailModule } from '../mail';
import { RateLimitModule } from '../rate-limit';
import { User } from '../users/user.entity';
import { EnrolmentService } from './enrolment.service';
import { MfaToken } from './entities/mfa-token.entity';
import { PasskeyClient } from './entities/passkey-client.entity';
import { Passkey } from './entities/passkey.entity';
import { RecoveryCode } from './entities/recovery-code.entity';
import { TotpFactor } from './entities/totp-factor.entity';
import { WebauthnChallenge } from './entities/webauthn-challenge.entity';
import { FactorsConfigurableModule } from './factors.options';
import { FactorsService } from './factors.service';
import { MeFactorsController } from './me-factors.controller';
import { MfaLoginController } from './mfa-login.controller';
import { MfaLoginService } from './mfa-login.service';
import { MfaTokensService } from './mfa-tokens.service';
import { PasskeysService } from './passkeys.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';
import { WebauthnChallengesService } from './webauthn-challenges.service';

/**
 * Second factors (API.md §11): TOTP, passkeys, recovery codes, and the second step of logins.
 * `FactorsModule.forRoot({ rpId, origins })`. It registers itself with Auth (SecondFactorsRegistry),
 * which stops a password login of a user with a factor at mfa_required.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([User, TotpFactor, Passkey, PasskeyClient, RecoveryCode, MfaToken, WebauthnChallenge]),
    AuthModule,
    KeysModule,
    MailModule,
    RateLimitModule,
  ],
  controllers: [MeFactorsController, MfaLoginController],
  providers: [
    FactorsService,
    EnrolmentService,
    MfaLoginService,
    MfaTokensService,
    TotpService,
    RecoveryCodesService,
    PasskeysService,
    WebauthnChallengesService,
  ],
  exports: [FactorsService],
})
export class FactorsModule extends FactorsConfigurableModule {}
