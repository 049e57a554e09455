import { UpstreamUnavailableException } from './upstream-provider';

/**
 * Every call to a provider ends within `ms`, whatever the provider does: a hanging peer gives the
 * user a 502 with a reason, never a request that waits for ever. The libraries' own timeouts
 * (openid-client, jose) abort the fetch; this is the outer bound around everything a step does.
 */
export async function bounded<T>(provider: string, step: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UpstreamUnavailableException(provider, `no answer to the ${step} within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A failure to reach the provider or a timeout, as opposed to an answer we refuse. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError' || error.name === 'JWKSTimeout') return true;
  const code = (error as { code?: unknown }).code;
  if (
    code === 'OAUTH_TIMEOUT' ||
    code === 'ERR_JWKS_TIMEOUT' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  )
    return true;
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) return true;
  return error.cause !== undefined && error.cause !== error && isUnreachable(error.cause);
}
