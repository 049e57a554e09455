import { IsString, Matches } from 'class-validator';

/** POST /me/totp/confirm: the first code of the new secret. */
export class TotpCodeDto {
  @IsString()
  @Matches(/^\s*\d{3}\s?\d{3}\s*$/, { message: 'code must be 6 digits' })
  code!: string;
}
