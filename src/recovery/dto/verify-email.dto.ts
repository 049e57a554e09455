import { IsString, MaxLength } from 'class-validator';

export class VerifyEmailDto {
  /** From the mailed link's `#verify=` fragment. */
  @IsString()
  @MaxLength(256)
  token!: string;
}
