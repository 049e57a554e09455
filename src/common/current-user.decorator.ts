import { createParamDecorator, ExecutionContext, UnauthorizedException } from '@nestjs/common';

/** Who calls a guarded route: the user and the client (device) their access token belongs to. */
export interface Caller {
  userId: string;
  clientId: string;
  /** Epoch seconds: the `exp` of the access token that authenticated this request (a stream ends there). */
  tokenExpiresAt: number;
}

/** The caller; fails closed (401) on a route no guard checked, e.g. AuthModule with globalGuard: false. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<{ user?: Caller }>().user;
  if (!caller) throw new UnauthorizedException();
  return caller;
});
