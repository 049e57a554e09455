import autocannon from 'autocannon';
import { CONNECTIONS, RefreshChains, spread } from './load';
import { DpopKey, DpopSupport, ProofPool, boundMe } from './dpop-load';
import { Server, rssMiB } from './servers';

/**
 * The heap cap of the memory case's server: about twice its live heap. That was 36 MB when the cap was
 * set at 64 MiB; it is now 46 MB after the refreshes and 50-57 MB once the verified-token cache is full
 * (Mark-Compact results of --trace-gc, 2026-12-07), so 128; with DPoP, whose replay cache keeps up to
 * 100,000 proofs' ids (about 15 MB more), 160. A cap near the live heap is worse than none: at 64 the
 * server spent three times more CPU in V8's collector threads than in its event loop, and the memory
 * case of a run took over ten minutes. BENCH_HEAP_CAP_MIB overrides it.
 */
export const heapCapMiB = (dpop: boolean) => Number(process.env.BENCH_HEAP_CAP_MIB ?? (dpop ? 160 : 128));

export interface MemoryResult {
  heapCapMiB: number;
  refreshes: number;
  rssAfterTenthRefreshes: number;
  rssAfterAllRefreshes: number;
  rssAfterTenthTokens: number;
  rssAfterAllTokens: number;
  /** With DPoP: RSS after a tenth of `refreshes` proofs checked (GET /me, a bound token), and after all. */
  rssAfterTenthProofs?: number;
  rssAfterAllProofs?: number;
  errors: number;
}

/**
 * RSS of a server after a tenth of `refreshes` refreshes and after all of them; then after a tenth of
 * the access tokens those refreshes issued (all distinct, all valid) are verified by GET /me once
 * each, and after all are. Run on a server whose V8 heap is capped, so that RSS follows live memory
 * rather than where V8 is in its collection cycle (see docs/benchmarks.md).
 */
export async function memoryCase(
  server: Server,
  refreshTokens: string[],
  refreshes: number,
  dpop?: DpopSupport & { accessToken: string; key: DpopKey },
): Promise<MemoryResult> {
  const pid = server.child.pid!;
  const issued: string[] = [];
  const chains = new RefreshChains(refreshTokens, issued);
  const tenth = Math.max(CONNECTIONS, Math.round(refreshes / 10));
  let errors = 0;
  const load = async (amount: number, request: autocannon.Request) => {
    const result = await autocannon({ url: server.url, connections: CONNECTIONS, amount, requests: [request] });
    errors += result.errors + result.timeouts + result.non2xx;
  };

  await load(tenth, chains.request());
  const rssAfterTenthRefreshes = rssMiB(pid);
  await load(refreshes - tenth, chains.request());
  const rssAfterAllRefreshes = rssMiB(pid);

  const verify = spread(issued, 'in turn', (token) => ({ method: 'GET', path: '/me', headers: { authorization: `Bearer ${token}` } }));
  const tokenTenth = Math.max(CONNECTIONS, Math.round(issued.length / 10));
  await load(tokenTenth, verify);
  const rssAfterTenthTokens = rssMiB(pid);
  await load(issued.length - tokenTenth, verify);
  const rssAfterAllTokens = rssMiB(pid);
  const result = {
    heapCapMiB: heapCapMiB(dpop !== undefined),
    refreshes,
    rssAfterTenthRefreshes,
    rssAfterAllRefreshes,
    rssAfterTenthTokens,
    rssAfterAllTokens,
    errors,
  };
  if (!dpop) return result;

  // DPoP: every proof's jti is remembered for its lifetime (the replay cache), so `refreshes` distinct
  // proofs, signed in chunks just before they are sent (a proof is valid about a minute).
  const proofs = async (count: number) => {
    for (let sent = 0; sent < count; sent += 10_000) {
      const chunk = Math.min(10_000, count - sent);
      const pool = new ProofPool(await dpop.key.proofs(chunk, 'GET', `${dpop.htuBase}/me`, { nonce: dpop.nonce, accessToken: dpop.accessToken }));
      await load(chunk, boundMe(dpop.accessToken, pool));
      errors += pool.exhausted;
    }
  };
  await proofs(tenth);
  const rssAfterTenthProofs = rssMiB(pid);
  await proofs(refreshes - tenth);
  const rssAfterAllProofs = rssMiB(pid);
  return { ...result, rssAfterTenthProofs, rssAfterAllProofs, errors };
}
