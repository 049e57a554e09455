import { IsIn, IsOptional } from 'class-validator';

export class SignInQueryDto {
  /** `true` opens a permanent client with a refresh token. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'permanent must be true or false' })
  permanent?: 'true' | 'false';
}
