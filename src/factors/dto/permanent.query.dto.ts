import { IsIn, IsOptional } from 'class-validator';

/** `?permanent=true` opens a permanent client with a refresh token, as on POST /auth. */
export class PermanentQueryDto {
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'permanent must be true or false' })
  permanent?: 'true' | 'false';
}
