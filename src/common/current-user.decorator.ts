import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who calls a guarded route: the user and the client (device) their access token belongs to. */
export interface Caller {
  userId: string;
  clientId: string;
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Caller => context.switchToHttp().getRequest<{ user: Caller }>().user,
);
