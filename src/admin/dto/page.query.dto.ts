import { IsOptional, Matches } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 50;

export class PageQueryDto {
  /** Rows per page, 1 to 100 (default 50). */
  @IsOptional()
  @Matches(/^(100|[1-9][0-9]?)$/, { message: 'limit must be an integer from 1 to 100' })
  limit?: string;

  /** Where the next page starts: the `cursor` of the previous answer's `Link: <…>; rel="next"`. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor is not one this server gave out' })
  cursor?: string;
}
