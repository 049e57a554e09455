import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsObject, IsString, Length, Matches, ValidateIf } from 'class-validator';

export const MFA_METHODS = ['totp', 'recovery_code', 'passkey'] as const;

/** POST /auth/mfa: the mfaToken of a login and its second factor (`code`, or a WebAuthn `credential` for passkey). */
export class MfaLoginDto {
  @IsString()
  @Length(1, 100)
  mfaToken!: string;

  @ApiProperty({ enum: MFA_METHODS })
  @IsIn(MFA_METHODS)
  method!: (typeof MFA_METHODS)[number];

  @ApiProperty({ required: false, description: 'the TOTP or recovery code (totp, recovery_code)' })
  @ValidateIf((body: MfaLoginDto) => body.method !== 'passkey' || body.code !== undefined)
  @IsString()
  @Matches(/^[A-Za-z0-9 -]{6,32}$/, { message: 'code must be 6 to 32 letters, digits, spaces or dashes' })
  code?: string;

  @ApiProperty({ required: false, type: Object, description: 'a WebAuthn authentication response (passkey)' })
  @ValidateIf((body: MfaLoginDto) => body.method === 'passkey' || body.credential !== undefined)
  @IsObject()
  credential?: Record<string, unknown>;
}
