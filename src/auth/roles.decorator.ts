import { SetMetadata } from '@nestjs/common';

export const REQUIRED_ROLES = 'requiredRoles';

/**
 * Only callers whose user holds at least one of these roles now (checked on every request against
 * the user's current roles, not the token's); others get 403 `insufficient_role`. On a handler or a controller.
 */
export const Roles = (...roles: string[]) => SetMetadata(REQUIRED_ROLES, roles);
