import { IsString } from 'class-validator';
import { CodePointLength } from '../../common/code-point-length.decorator';

export class ChangePasswordDto {
  @IsString()
  @CodePointLength(1, 128)
  currentPassword!: string;

  /** The sign-up rule: 8 to 128 Unicode code points. */
  @IsString()
  @CodePointLength(8, 128)
  newPassword!: string;
}
