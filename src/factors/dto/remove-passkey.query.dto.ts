import { IsIn, IsOptional } from 'class-validator';

/** DELETE /me/passkeys/:id?endSessions=true: also end the clients this passkey signed in. */
export class RemovePasskeyQueryDto {
  @IsOptional()
  @IsIn(['true', 'false'])
  endSessions?: 'true' | 'false';
}
