import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, Matches } from 'class-validator';
import { MAX_ROLES, ROLE_PATTERN } from '../../users/roles';

export class UpdateUserDto {
  /** The user's roles from now on (replaces them all): `[a-z0-9:_-]{1,64}`, at most 32. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ROLES)
  @Matches(ROLE_PATTERN, { each: true, message: 'each role must match [a-z0-9:_-]{1,64}' })
  roles?: string[];

  /** true disables the user (every client ends, reason `disabled`); false enables them again. */
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}
