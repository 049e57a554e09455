import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { User } from '../users/user.entity';

/** The user whose password the LocalAuthGuard has just checked. */
export const LoggedInUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): User => context.switchToHttp().getRequest<{ user: User }>().user,
);
