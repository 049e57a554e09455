import { IsString } from 'class-validator';

export class RefreshTokenDto {
  /** Any string is accepted here: one that is not a live token answers 401 (refresh) or 204 (reject). */
  @IsString()
  refreshToken!: string;
}
