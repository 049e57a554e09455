import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VerifiedProof } from './dpop-proof';
import { DpopService } from './dpop.service';

type WithProof = FastifyRequest & { dpopProof?: VerifiedProof | null };

/**
 * On a token endpoint (POST /auth, POST /token, POST /oauth/token): verifies the request's DPoP proof
 * before anything else runs (no password is checked for a request that fails here), and leaves it for
 * @DpopKey(). AUTH_DPOP=required refuses a request without one.
 */
@Injectable()
export class DpopProofGuard implements CanActivate {
  constructor(private readonly dpop: DpopService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WithProof>();
    const proof = await this.dpop.proofOf(request, 'token');
    if (!proof && this.dpop.required) throw this.dpop.missing('token');
    if (proof) this.dpop.offerNonce(context.switchToHttp().getResponse<FastifyReply>());
    request.dpopProof = proof;
    return true;
  }
}

/** The thumbprint (`jkt`) of the request's verified DPoP key, or null; needs DpopProofGuard on the route. */
export const DpopKey = createParamDecorator((_data: unknown, context: ExecutionContext): string | null => {
  return context.switchToHttp().getRequest<WithProof>().dpopProof?.jkt ?? null;
});
