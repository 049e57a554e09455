/*
 * Same-run A/B of two builds: `BENCH_AB_BASELINE=/path/to/other/dist node dist/bench/ab.js` measures
 * `GET /me` (the token mix), `POST /token` and `POST /auth` (the login of a user without a second factor,
 * `BENCH_AB_CASES=login`) of the baseline build (A) and of this one (B), each server on
 * a fresh SQLite database of its own, in interleaved rounds (A B B A A B …, so neither build always runs
 * first on a machine whose speed drifts), after one uncounted warm-up pass, and prints the medians: of
 * requests/s, and of the server process's CPU time per request (user + system, the thread pool included),
 * which a machine shared with other work disturbs far less than the rate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTIONS, JSON_HEADERS, Measurement, RefreshChains, cannon, spread } from './load';
import { CORES } from './raw';
import { Servers, cpuSeconds, inParallel, post } from './servers';
import { PASSWORD, tokenMix } from './tokens';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const MIX_USERS = Number(process.env.BENCH_USERS ?? 400);
const MIX_TOKENS = Number(process.env.BENCH_TOKENS ?? 10_000);
/** B's rate at least this share of A's (issue 25's bar for adopting jose: within 10%). */
const GOAL = Number(process.env.BENCH_AB_GOAL ?? 0.9);

type Round = Measurement & { cpuMicros: number };

interface Build {
  name: string;
  meMix(seconds?: number): Promise<Round>;
  refresh(seconds?: number): Promise<Round>;
  login(seconds?: number): Promise<Round>;
}

type CaseName = Exclude<keyof Build, 'name'>;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function prepare(servers: Servers, name: string, main: string, dir: string): Promise<Build> {
  const env = {
    DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite`)}`,
    AUTH_ISSUER: 'http://bench.local',
    AUTH_REFRESH_MAX_PER_MINUTE: '10000000',
    AUTH_LOGIN_MAX_SUCCESSES_PER_ADDRESS: '10000000',
    AUTH_SIGNUP_MAX_PER_ADDRESS: '1000000',
    AUTH_KEY_ENCRYPTION_SECRET: 'bench-key-encryption-secret-of-32-chars-at-least',
    AUTH_ACCESS_TTL: '1h',
  };
  const app = await servers.start(main, env, '/health');
  const credentials = { username: `bench_${name}_${Date.now()}`, password: PASSWORD };
  await post(`${app.url}/users`, credentials);
  const mix = await tokenMix(app.url, MIX_USERS, MIX_TOKENS, CORES);
  const meMix = spread(mix.accessTokens, 'at random', (token) => ({ method: 'GET', path: '/me', headers: { authorization: `Bearer ${token}` } }));
  const logins = () =>
    inParallel(CONNECTIONS, CORES, async () => (await post(`${app.url}/auth?permanent=true`, credentials)).token.refreshToken as string);
  /** The run, and the server's CPU microseconds per request during it. */
  const measured = async (run: () => Promise<Measurement>): Promise<Round> => {
    const before = cpuSeconds(app.child.pid!);
    const m = await run();
    return { ...m, cpuMicros: ((cpuSeconds(app.child.pid!) - before) / m.requests) * 1e6 };
  };
  return {
    name,
    meMix: (seconds) => measured(() => cannon({ url: app.url, requests: [meMix] }, seconds)),
    refresh: async (seconds) => {
      const chains = new RefreshChains(await logins());
      return measured(() => cannon({ url: app.url, requests: [chains.request()] }, seconds));
    },
    // Two logins in flight per core, as the main bench's login case (bench/run.ts says why).
    login: (seconds) =>
      measured(() =>
        cannon({ url: `${app.url}/auth`, method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(credentials), connections: 2 * CORES }, seconds),
      ),
  };
}

async function main(): Promise<void> {
  const baseline = process.env.BENCH_AB_BASELINE;
  if (!baseline) throw new Error('BENCH_AB_BASELINE=/path/to/the/baseline/dist is required');
  const dir = mkdtempSync(join(tmpdir(), 'refresh-auth-ab-'));
  const servers = new Servers();
  try {
    // BENCH_AB_PREPARE=BA sets up this build's server and token mix first: the first server waits idle
    // while the second's mix is made, so swapping the order shows whether that wait matters.
    const prepareB = () => prepare(servers, 'B', 'src/main.js', dir);
    const prepareA = () => prepare(servers, 'A', join(baseline, 'src/main.js'), dir);
    const builds = process.env.BENCH_AB_PREPARE === 'BA' ? [await prepareB(), await prepareA()].reverse() : [await prepareA(), await prepareB()];
    // BENCH_AB_CASES=refresh measures one case only (with BENCH_TOKENS=BENCH_USERS the mix is not made).
    const cases = (process.env.BENCH_AB_CASES ?? 'meMix,refresh').split(',') as CaseName[];
    const results = new Map(builds.flatMap((b) => cases.map((c) => [`${b.name} ${c}`, [] as Round[]])));
    for (const c of cases) for (const b of builds) if (WARMUP_SECONDS > 0) await b[c](WARMUP_SECONDS);
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 ? [...builds].reverse() : builds;
      for (const c of cases) {
        for (const b of order) {
          const m = await b[c]();
          results.get(`${b.name} ${c}`)!.push(m);
          console.error(
            `round ${round + 1} ${b.name} ${c}: ${Math.round(m.rps)} req/s, ${Math.round(m.cpuMicros)} µs CPU/request (errors ${m.errors}, non-2xx ${m.non2xx})`,
          );
        }
      }
    }
    console.log(`A = ${baseline}, B = this build; ${ROUNDS} interleaved rounds, medians (req/s), ${CORES} cores, ${CONNECTIONS} connections`);
    for (const c of cases) {
      const a = results.get(`A ${c}`)!;
      const b = results.get(`B ${c}`)!;
      const [ma, mb] = [median(a.map((m) => m.rps)), median(b.map((m) => m.rps))];
      const [ca, cb] = [median(a.map((m) => m.cpuMicros)), median(b.map((m) => m.cpuMicros))];
      const ratios = a.map((m, i) => b[i].rps / m.rps);
      console.log(
        `${c}: req/s A ${Math.round(ma)}  B ${Math.round(mb)}  B/A ${((mb / ma) * 100).toFixed(1)}% ` +
          `(per-round B/A ${ratios.map((r) => `${(r * 100).toFixed(0)}%`).join(' ')}); ` +
          `CPU µs/request A ${ca.toFixed(0)}  B ${cb.toFixed(0)}  B/A ${((cb / ca) * 100).toFixed(1)}%; ` +
          `p50 ms A ${median(a.map((m) => m.p50!)).toFixed(2)} B ${median(b.map((m) => m.p50!)).toFixed(2)}; ` +
          `B/A >= ${(GOAL * 100).toFixed(0)}%: ${mb / ma >= GOAL ? 'met' : 'MISSED'}`,
      );
      if (mb / ma < GOAL) process.exitCode = 1;
    }
  } finally {
    await servers.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
