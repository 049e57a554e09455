import { ArrayMaxSize, IsArray, IsBoolean, Matches, ValidateIf } from 'class-validator';
import { MAX_ROLES, ROLE_PATTERN } from '../../users/roles';

export class UpdateUserDto {
  /** The user's roles from now on (replaces them all): `[a-z0-9:_-]{1,64}`, at most 32. Absent: unchanged; null is a 400. */
  @ValidateIf((dto: UpdateUserDto) => dto.roles !== undefined)
  @IsArray()
  @ArrayMaxSize(MAX_ROLES)
  @Matches(ROLE_PATTERN, { each: true, message: 'each role must match [a-z0-9:_-]{1,64}' })
  roles?: string[];

  /** true disables the user (every client ends, reason `disabled`); false enables them again. Null is a 400, never "false". */
  @ValidateIf((dto: UpdateUserDto) => dto.disabled !== undefined)
  @IsBoolean()
  disabled?: boolean;
}
