import { IsString } from 'class-validator';
import { CodePointLength } from '../../common/code-point-length.decorator';
import { IsWellFormed } from '../../common/well-formed.decorator';

/** `PUT /me/password`: the first password of an account a provider made. */
export class SetPasswordDto {
  /** The sign-up rule: 8 to 128 Unicode code points. */
  @IsString()
  @IsWellFormed()
  @CodePointLength(8, 128)
  newPassword!: string;
}
