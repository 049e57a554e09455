import { IsIn, IsOptional } from 'class-validator';

export class LoginQueryDto {
  /** `true` opens a permanent client with a refresh token. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'permanent must be true or false' })
  permanent?: 'true' | 'false';
}
