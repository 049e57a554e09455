import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from './page.query.dto';

export class ListUserClientsQueryDto extends PageQueryDto {
  /** `ended` adds the clients that ended within the retention period. */
  @IsOptional()
  @IsIn(['ended'], { message: 'include must be "ended"' })
  include?: 'ended';
}
