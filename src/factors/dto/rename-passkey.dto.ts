import { IsString, Length, Matches } from 'class-validator';

/** PATCH /me/passkeys/:id. */
export class RenamePasskeyDto {
  @IsString()
  @Length(1, 64)
  @Matches(/^[^\p{Cc}]+$/u, { message: 'name must not hold control characters' })
  name!: string;
}
