import { IsString, MaxLength } from 'class-validator';
import { CodePointLength } from '../../common/code-point-length.decorator';
import { IsWellFormed } from '../../common/well-formed.decorator';

export class ResetPasswordDto {
  /** From the mailed link's `#reset=` fragment. */
  @IsString()
  @MaxLength(256)
  token!: string;

  /** The sign-up rule: 8 to 128 Unicode code points. */
  @IsString()
  @IsWellFormed()
  @CodePointLength(8, 128)
  newPassword!: string;
}
