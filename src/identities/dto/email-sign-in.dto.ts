import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsEmailAddress } from '../../users/dto/email.dto';

/**
 * `POST /auth/email/verify`: `{email, code}` (the code typed from the mail) or `{token}` (the link's
 * `#token=`); any other mix is a 400 (EmailSignInController).
 */
export class EmailSignInDto {
  @IsOptional()
  @IsEmailAddress()
  email?: string;

  @IsOptional()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  token?: string;
}
