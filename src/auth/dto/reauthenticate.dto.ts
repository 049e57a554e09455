import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { CodePointLength } from '../../common/code-point-length.decorator';
import { IsWellFormed } from '../../common/well-formed.decorator';

/** The ways the user may prove who they are again; second factors will add `totp`, `passkey`, ... */
export const REAUTHENTICATION_METHODS = ['password'] as const;

/**
 * POST /auth/reauthenticate. `method` leaves room for factors (`code`, `credential` will come with
 * them); until then only the password is taken, and any other field is 400.
 */
export class ReauthenticateDto {
  @ApiProperty({ required: false, enum: REAUTHENTICATION_METHODS, default: 'password' })
  @IsOptional()
  @IsIn(REAUTHENTICATION_METHODS)
  method?: (typeof REAUTHENTICATION_METHODS)[number];

  @IsString()
  @IsWellFormed()
  @CodePointLength(1, 128)
  password!: string;
}
