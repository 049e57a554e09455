import { IsIn, IsOptional } from 'class-validator';

export class ListClientsQueryDto {
  /** `ended` adds the clients that ended within the retention period, with why they ended. */
  @IsOptional()
  @IsIn(['ended'], { message: 'include must be "ended"' })
  include?: 'ended';
}
