import { ApiProperty } from '@nestjs/swagger';
import { IsObject } from 'class-validator';

/** POST /auth/passkey: a WebAuthn authentication response on a challenge of POST /auth/passkey/options. */
export class PasskeyLoginDto {
  @ApiProperty({ type: Object, description: 'a WebAuthn authentication response (PublicKeyCredential JSON)' })
  @IsObject()
  credential!: Record<string, unknown>;
}
