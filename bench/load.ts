import autocannon from 'autocannon';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
export const CONNECTIONS = 16;
export const JSON_HEADERS = { 'content-type': 'application/json' };

/** One round of one case. Outside HTTP there is no latency, error or status to report. */
export interface Measurement {
  rps: number;
  p50?: number;
  p99?: number;
  requests: number;
  errors: number;
  non2xx: number;
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: Float64Array, p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : 0);

/**
 * Autocannon runs from this process, side by side for `seconds`, counted together (one per instance in
 * the scaling run). Latencies are kept per response at full resolution: autocannon's own histogram
 * counts whole milliseconds, too coarse for p99/p50 of sub-millisecond routes. A run with `amount`
 * (a fixed number of requests, for cases whose every request uses up something made beforehand: an
 * MFA token, an authorization code) ends when they are all answered, timed here to the microsecond.
 * `ownLatencies`, when given, are the latencies to report instead of each response's (a case whose
 * unit of work takes several requests records one latency per unit), and `per` how many requests
 * make one unit (its rate is units/s).
 */
export async function cannonTogether(
  runs: autocannon.Options[],
  seconds = SECONDS,
  unit: { ownLatencies?: number[]; per?: number } = {},
): Promise<Measurement & { perRun: number[] }> {
  const latencies: number[] = unit.ownLatencies ?? [];
  latencies.length = 0;
  const started = performance.now();
  const results = await Promise.all(
    runs.map((options) => {
      // autocannon refuses more connections than requests.
      const bounds =
        options.amount === undefined ? { duration: seconds } : { connections: Math.min(options.connections ?? CONNECTIONS, options.amount) };
      // Without a callback autocannon returns its emitter, made thenable; the typings show only the promise.
      const run = autocannon({ connections: CONNECTIONS, ...options, ...bounds }) as Promise<autocannon.Result> & autocannon.Instance;
      // `on` hands back the same thenable emitter, which the Promise.all below awaits.
      if (!unit.ownLatencies) void run.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
      return run;
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const sum = (pick: (r: autocannon.Result) => number) => results.reduce((total, r) => total + pick(r), 0);
  const requests = sum((r) => r.requests.total);
  const per = unit.per ?? 1;
  const took = (r: autocannon.Result) => (runs.some((o) => o.amount !== undefined) ? elapsed : r.duration || seconds);
  return {
    rps: requests / per / Math.max(...results.map(took)),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    requests: requests / per,
    errors: sum((r) => r.errors + r.timeouts),
    non2xx: sum((r) => r.non2xx),
    perRun: results.map((r) => r.requests.total / per / took(r)),
  };
}

export async function cannon(options: autocannon.Options, seconds = SECONDS, unit?: { ownLatencies?: number[]; per?: number }): Promise<Measurement> {
  const { perRun: _, ...measurement } = await cannonTogether([options], seconds, unit);
  return measurement;
}

/**
 * Requests that each take an item of a list (many distinct tokens, not one repeated): in turn, or at
 * random. At random, as production sees them: a cycle in a fixed order through a cache one entry too
 * small would miss on every request, and one entry smaller would hit on every one.
 */
export function spread(items: string[], order: 'in turn' | 'at random', request: (item: string) => autocannon.Request): autocannon.Request {
  let next = 0;
  const pick = order === 'in turn' ? () => items[next++ % items.length] : () => items[Math.floor(Math.random() * items.length)];
  return {
    setupRequest: (base: autocannon.Request) => ({ ...base, ...request(pick()) }),
  } as autocannon.Request;
}

/**
 * Refresh chains shared by the connections: a request takes a chain's latest token, its answer puts the
 * successor back (autocannon gives each request a fresh context). Every access token issued goes to
 * `issued` when asked for.
 */
export class RefreshChains {
  private readonly pool: string[];

  constructor(
    tokens: string[],
    private readonly issued?: string[],
  ) {
    this.pool = [...tokens];
  }

  get latest(): string[] {
    return [...this.pool];
  }

  /** POST /token with the token in the body (header mode). */
  request(): autocannon.Request {
    return {
      method: 'POST',
      path: '/token',
      headers: JSON_HEADERS,
      setupRequest: (request: any, context: any) => {
        context.token = this.pool.shift();
        return { ...request, body: JSON.stringify({ refreshToken: context.token }) };
      },
      onResponse: (status: number, body: string, context: any) => {
        if (status !== 201) return this.pool.push(context.token);
        const { token } = JSON.parse(body);
        this.pool.push(token.refreshToken);
        this.issued?.push(token.accessToken);
      },
    } as autocannon.Request;
  }
}
