import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Matches, ValidateIf } from 'class-validator';
import { CodePointLength } from '../../common/code-point-length.decorator';
import { IsWellFormed } from '../../common/well-formed.decorator';

/** The ways the user may prove who they are again (API.md §11). */
export const REAUTHENTICATION_METHODS = ['password', 'totp', 'recovery_code', 'passkey'] as const;

/**
 * POST /auth/reauthenticate: `password` (the default method), or `method` with a `code` (totp,
 * recovery_code) or a WebAuthn `credential` (passkey, on a challenge from POST /auth/passkey/options).
 */
export class ReauthenticateDto {
  @ApiProperty({ required: false, enum: REAUTHENTICATION_METHODS, default: 'password' })
  @IsOptional()
  @IsIn(REAUTHENTICATION_METHODS)
  method?: (typeof REAUTHENTICATION_METHODS)[number];

  @ApiProperty({ required: false })
  @ValidateIf((body: ReauthenticateDto) => body.method === undefined || body.method === 'password' || body.password !== undefined)
  @IsString()
  @IsWellFormed()
  @CodePointLength(1, 128)
  password?: string;

  @ApiProperty({ required: false, description: 'a TOTP or recovery code' })
  @ValidateIf((body: ReauthenticateDto) => body.method === 'totp' || body.method === 'recovery_code' || body.code !== undefined)
  @IsString()
  @Matches(/^[A-Za-z0-9 -]{6,32}$/, { message: 'code must be 6 to 32 letters, digits, spaces or dashes' })
  code?: string;

  @ApiProperty({ required: false, type: Object, description: 'a WebAuthn authentication response (PublicKeyCredential JSON)' })
  @ValidateIf((body: ReauthenticateDto) => body.method === 'passkey' || body.credential !== undefined)
  @IsObject()
  credential?: Record<string, unknown>;
}
