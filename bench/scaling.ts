import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { CONNECTIONS, Measurement, RefreshChains, SECONDS, cannonTogether } from './load';
import { Server, Servers, cpuSeconds, inParallel, machineCpuSeconds, post } from './servers';
import { PASSWORD } from './tokens';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const INSTANCES = (process.env.BENCH_SCALING_INSTANCES ?? '1,2,4').split(',').map(Number);
const CORES = availableParallelism();

interface Step extends Measurement {
  perRun: number[];
  /** Shares of the machine's CPU time over the step: the instances, this process (the load), all busy. */
  appCpu: number;
  benchCpu: number;
  machineBusy: number;
}

/**
 * Refreshes against 1, 2 and 4 server processes on one PostgreSQL database: the bench spreads its
 * connections evenly over the instances (no proxy in between to share the cores with), every
 * connection keeping its own refresh chain, every response counted. CPU shares show where the
 * time goes: what the instances and the load generator leave of the busy time is the database's.
 */
export async function runScaling(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl?.startsWith('postgres')) throw new Error('BENCH_SCALING=1 needs BENCH_DATABASE_URL=postgres://…');
  const servers = new Servers();
  try {
    const appEnv = {
      DATABASE_URL: databaseUrl,
      AUTH_ISSUER: 'http://bench.local',
      AUTH_REFRESH_MAX_PER_MINUTE: '10000000',
      // The bench signs up and logs in from one address far more than a person would.
      AUTH_LOGIN_MAX_SUCCESSES_PER_ADDRESS: '10000000',
      AUTH_SIGNUP_MAX_PER_ADDRESS: '1000000',
      // PostgreSQL refuses to start without a key-encryption secret; the bench database is thrown away.
      AUTH_KEY_ENCRYPTION_SECRET: process.env.AUTH_KEY_ENCRYPTION_SECRET ?? randomBytes(32).toString('base64url'),
    };
    const instances: Server[] = [await servers.start('src/main.js', appEnv, '/health')];
    const credentials = { username: `scale_${Date.now()}`, password: PASSWORD };
    await post(`${instances[0].url}/users`, credentials);
    const rows: Array<[number, Step]> = [];
    for (const count of INSTANCES) {
      while (instances.length < count) instances.push(await servers.start('src/main.js', appEnv, '/health'));
      const current = instances.slice(0, count);
      const step = (seconds: number) => measureStep(current, credentials, seconds);
      let warmupErrors = 0;
      if (WARMUP_SECONDS > 0) {
        const warmup = await step(WARMUP_SECONDS);
        warmupErrors = warmup.errors + warmup.non2xx;
      }
      const runs: Step[] = [];
      for (let round = 0; round < ROUNDS; round += 1) runs.push(await step(SECONDS));
      const median = [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)];
      const sum = (pick: (s: Step) => number) => runs.reduce((total, s) => total + pick(s), 0);
      rows.push([count, { ...median, errors: sum((s) => s.errors) + warmupErrors, non2xx: sum((s) => s.non2xx) }]);
    }
    printScaling(rows);
  } finally {
    await servers.stopAll();
  }
}

async function measureStep(instances: Server[], credentials: object, seconds: number): Promise<Step> {
  const share = Math.floor(CONNECTIONS / instances.length);
  // Fresh chains per step and instance, logged in through the instance they will refresh on.
  const chains = await Promise.all(
    instances.map(async (server) => {
      const tokens = await inParallel(
        share,
        CORES,
        async () => (await post(`${server.url}/auth?permanent=true`, credentials)).token.refreshToken as string,
      );
      return new RefreshChains(tokens);
    }),
  );
  const pids = instances.map((s) => s.child.pid!);
  const appBefore = pids.reduce((total, pid) => total + cpuSeconds(pid), 0);
  const benchBefore = process.cpuUsage();
  const machineBefore = machineCpuSeconds();
  const result = await cannonTogether(
    instances.map((server, i) => ({ url: server.url, connections: share, requests: [chains[i].request()] })),
    seconds,
  );
  const machine = machineCpuSeconds();
  const bench = process.cpuUsage(benchBefore);
  const app = pids.reduce((total, pid) => total + cpuSeconds(pid), 0) - appBefore;
  const total = machine.total - machineBefore.total;
  return {
    ...result,
    appCpu: app / total,
    benchCpu: (bench.user + bench.system) / 1e6 / total,
    machineBusy: (machine.busy - machineBefore.busy) / total,
  };
}

function printScaling(rows: Array<[number, Step]>): void {
  const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;
  console.log(
    `\nrefresh-auth scaling run: PostgreSQL, ${CORES} cores, ${CONNECTIONS} connections spread over the instances, ` +
      `${SECONDS} s x ${ROUNDS} rounds (median)\n`,
  );
  console.log(
    '| instances | refreshes/s | per instance | vs 1 instance | p50 ms | p99 ms | CPU: instances | CPU: load generator | CPU: rest (database) | errors | non-2xx |',
  );
  console.log('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const base = rows[0][1].rps;
  for (const [count, s] of rows) {
    const rest = Math.max(0, s.machineBusy - s.appCpu - s.benchCpu);
    console.log(
      `| ${count} | ${Math.round(s.rps)} | ${s.perRun.map(Math.round).join(' / ')} | ${(s.rps / base).toFixed(2)}x | ${s.p50!.toFixed(2)} | ` +
        `${s.p99!.toFixed(2)} | ${pct(s.appCpu)} | ${pct(s.benchCpu)} | ${pct(rest)} | ${s.errors} | ${s.non2xx} |`,
    );
  }
  console.log(
    '\nCPU shares are of all cores over the step; "rest" is the busy time neither the instances nor the load generator ' +
      'used: the database on a quiet machine, anything else running on a shared one.',
  );
  if (rows.some(([, s]) => s.errors + s.non2xx > 0)) process.exitCode = 1;
}
