import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../common/clock';
import { DPOP_OPTIONS, type DpopModuleOptions } from './dpop.options';
import { DpopNonces } from './dpop-nonces';
import { DPOP_ALGORITHMS, DpopProofInvalid, verifyDpopProof, type VerifiedProof } from './dpop-proof';
import { DpopEndpoint, DpopRejectedException } from './dpop-rejected.exception';
import { DpopReplayCache } from './dpop-replay.cache';

/**
 * RFC 9449 for our endpoints: reads a request's `DPoP` header, verifies the proof against the URL we
 * publish (AUTH_ISSUER's origin and path) and our clock, spends its jti, and answers RFC 9449's errors.
 */
@Injectable()
export class DpopService {
  readonly algorithms = [...DPOP_ALGORITHMS];
  private readonly nonces: DpopNonces | null;
  private readonly issuer: URL;

  constructor(
    @Inject(DPOP_OPTIONS) private readonly config: DpopModuleOptions,
    private readonly replays: DpopReplayCache,
    private readonly clock: Clock,
  ) {
    this.nonces = config.nonce ? new DpopNonces(config.nonceSecret) : null;
    this.issuer = new URL(config.issuer);
  }

  /** AUTH_DPOP=required: every login and refresh needs a proof, every access token is bound. */
  get required(): boolean {
    return this.config.mode === 'required';
  }

  /**
   * The request's proof, verified and spent; null when it has none. `accessToken`: on a resource
   * request, the token the proof's `ath` must hash. A bad proof throws RFC 9449's error for `endpoint`.
   */
  async proofOf(request: FastifyRequest, endpoint: DpopEndpoint, accessToken?: string): Promise<VerifiedProof | null> {
    const header = request.headers.dpop;
    if (header === undefined) return null;
    // §4.3: exactly one proof.
    if (typeof header !== 'string') throw this.rejected(new DpopProofInvalid('Send exactly one DPoP header'), endpoint);
    const now = this.clock.now();
    const nonces = this.nonces;
    try {
      const proof = await verifyDpopProof(header, {
        method: request.method,
        url: this.publicUrl(request.url),
        now,
        accessToken,
        nonceIsValid: nonces ? (nonce) => nonces.isValid(nonce, now) : undefined,
      });
      if (!(await this.replays.firstUse(proof.jkt, proof.jti, proof.iat))) throw new DpopProofInvalid('The DPoP proof was used before');
      return proof;
    } catch (error) {
      if (error instanceof DpopProofInvalid) throw this.rejected(error, endpoint);
      throw error;
    }
  }

  /** The error for a request that needed a proof and had none. */
  missing(endpoint: DpopEndpoint, message = 'A DPoP proof is required'): DpopRejectedException {
    return this.rejected(new DpopProofInvalid(message), endpoint);
  }

  /** The error for a proof whose key is not the one the token or client is bound to. */
  wrongKey(endpoint: DpopEndpoint): DpopRejectedException {
    return this.rejected(new DpopProofInvalid('The DPoP proof is not signed by the key the token is bound to'), endpoint);
  }

  /** With AUTH_DPOP_NONCE=true, every answer to a proof carries the current nonce (§8.2), so clients stay ahead of its rotation. */
  offerNonce(reply: FastifyReply): void {
    if (this.nonces) reply.header('DPoP-Nonce', this.nonces.current(this.clock.now()));
  }

  private rejected(error: DpopProofInvalid, endpoint: DpopEndpoint): DpopRejectedException {
    const nonce = this.nonces && error.error === 'use_dpop_nonce' ? this.nonces.current(this.clock.now()) : null;
    return new DpopRejectedException(error.error, error.message, endpoint, nonce);
  }

  /**
   * The URL a client addressed, as we publish it: the issuer's origin, then the path (§4.3: no query,
   * no fragment). An issuer with a path (https://example.com/auth) prefixes it unless the proxy left it on.
   */
  private publicUrl(url: string): string {
    const path = url.split('?')[0];
    const prefix = this.issuer.pathname.replace(/\/+$/, '');
    return `${this.issuer.origin}${prefix && !path.startsWith(`${prefix}/`) ? prefix : ''}${path}`;
  }
}
