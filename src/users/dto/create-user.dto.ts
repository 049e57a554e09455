import { IsOptional, IsString, Matches } from 'class-validator';
import { IsEmailAddress } from './email.dto';
import { CodePointLength } from '../../common/code-point-length.decorator';
import { IsWellFormed } from '../../common/well-formed.decorator';

export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{3,64}$/;

export class CreateUserDto {
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3 to 64 characters of A-Z, a-z, 0-9, ".", "_", "@", "-"' })
  username!: string;

  @IsString()
  @IsWellFormed()
  @CodePointLength(8, 128)
  password!: string;

  /** Optional; a verification link is mailed to it (API.md section 10). */
  @IsOptional()
  @IsEmailAddress()
  email?: string;
}
