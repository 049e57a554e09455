import { HttpError } from '../common/http-error';
import { DPOP_ALGORITHMS } from './dpop-proof';

export type DpopError = 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token';

/** Where a proof was refused: a token endpoint answers 400 (RFC 9449 §5), a protected resource 401 (§7). */
export type DpopEndpoint = 'token' | 'resource';

/**
 * RFC 9449's errors. On a resource: 401 with a `DPoP` challenge naming the error and our algorithms;
 * on a token endpoint: 400. Either way `use_dpop_nonce` comes with the nonce to use (`DPoP-Nonce`).
 * The body says the error as `reason` (the OAuth filter answers it as `error`).
 */
export class DpopRejectedException extends HttpError {
  constructor(
    readonly dpopError: DpopError,
    message: string,
    endpoint: DpopEndpoint,
    nonce: string | null = null,
  ) {
    const headers: Record<string, string> = nonce ? { 'DPoP-Nonce': nonce } : {};
    if (endpoint === 'resource') {
      headers['WWW-Authenticate'] =
        `DPoP error="${dpopError}", error_description="${message.replace(/["\\]/g, '')}", algs="${DPOP_ALGORITHMS.join(' ')}"`;
    }
    super(endpoint === 'resource' ? 401 : 400, endpoint === 'resource' ? 'Unauthorized' : 'Bad Request', message, headers, {
      reason: dpopError,
      action: dpopError === 'use_dpop_nonce' ? 'retry' : null,
    });
  }
}

/** The error codes the OAuth filter passes through as RFC 6749 `error`. */
export const DPOP_ERRORS: ReadonlySet<string> = new Set<DpopError>(['invalid_dpop_proof', 'use_dpop_nonce']);
