import { IsString, MaxLength, MinLength } from 'class-validator';
import { CodePointLength } from '../../common/code-point-length.decorator';
import { IsWellFormed } from '../../common/well-formed.decorator';

/*
 * Looser than sign-up on purpose: a name that could never have signed up is just a wrong
 * username (401), so the answer does not teach anything about the rules.
 */
export class LoginDto {
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username!: string;

  @IsString()
  @IsWellFormed()
  @CodePointLength(1, 128)
  password!: string;
}
