import { IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from './page.query.dto';

export class ListUsersQueryDto extends PageQueryDto {
  /** Only users whose name contains this (case-insensitive). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._@-]{1,64}$/, { message: 'query must be 1 to 64 characters of a username' })
  query?: string;
}
