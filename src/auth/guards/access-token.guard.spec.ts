import { Controller, ExecutionContext, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Clock } from '../../common/clock';
import { AccessForbiddenException } from '../access-forbidden.exception';
import type { AccessTokensService } from '../access-tokens.service';
import { Roles } from '../roles.decorator';
import { Scopes } from '../scopes.decorator';
import type { SessionCookies } from '../session-cookies';
import type { DpopService } from '../../dpop';
import { AccessTokenGuard } from './access-token.guard';

@Roles('admin', 'support')
@Controller()
class Guarded {
  @Get() anyStaff() {}
  @Roles('billing') @Get() billingOnly() {}
  @Scopes('orders:read', 'orders:write') @Get() writeOrders() {}
}

function contextFor(handler: keyof Guarded): ExecutionContext {
  const request = { headers: { authorization: 'Bearer token' } };
  return {
    getHandler: () => Guarded.prototype[handler],
    getClass: () => Guarded,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

function guardFor(roles: string[], scope?: string): AccessTokenGuard {
  const accessTokens = {
    authenticate: async () => ({ caller: { userId: 'u', clientId: 'c' }, claims: { scope }, roles, scope: scope ?? null }),
  } as unknown as AccessTokensService;
  return new AccessTokenGuard(new Reflector(), accessTokens, {} as SessionCookies, new Clock(), { required: false } as DpopService);
}

const refusal = (reason: string) => expect.objectContaining({ response: expect.objectContaining({ statusCode: 403, reason }) });

describe('AccessTokenGuard: @Roles and @Scopes', () => {
  it('lets any one of the roles through; a handler’s @Roles overrides its controller’s', async () => {
    await expect(guardFor(['support']).canActivate(contextFor('anyStaff'))).resolves.toBe(true);
    await expect(guardFor(['editor']).canActivate(contextFor('anyStaff'))).rejects.toEqual(refusal('insufficient_role'));
    await expect(guardFor(['admin']).canActivate(contextFor('billingOnly'))).rejects.toBeInstanceOf(AccessForbiddenException);
    await expect(guardFor(['billing']).canActivate(contextFor('billingOnly'))).resolves.toBe(true);
  });

  it('asks for every scope, with RFC 6750’s insufficient_scope challenge', async () => {
    await expect(guardFor(['admin'], 'orders:read orders:write').canActivate(contextFor('writeOrders'))).resolves.toBe(true);
    const refused = guardFor(['admin'], 'orders:read').canActivate(contextFor('writeOrders'));
    await expect(refused).rejects.toEqual(refusal('insufficient_scope'));
    await expect(refused).rejects.toMatchObject({ headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' } });
    await expect(guardFor(['admin']).canActivate(contextFor('writeOrders'))).rejects.toEqual(refusal('insufficient_scope'));
  });
});
