import { IsString, Length } from 'class-validator';

/** POST /auth/mfa/options: the login whose passkeys are asked for. */
export class MfaTokenDto {
  @IsString()
  @Length(1, 100)
  mfaToken!: string;
}
