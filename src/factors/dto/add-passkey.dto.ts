import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';

/** POST /me/passkeys: the WebAuthn registration response, and a name for it. */
export class AddPasskeyDto {
  @ApiProperty({ type: Object, description: 'a WebAuthn registration response (PublicKeyCredential JSON)' })
  @IsObject()
  credential!: Record<string, unknown>;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(/^[^\p{Cc}]+$/u, { message: 'name must not hold control characters' })
  name?: string;
}
