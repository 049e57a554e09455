import { Measurement } from './load';
import { MemoryResult } from './memory';

/** The cases the targets name; the optional ones are absent when skipped. */
export type CaseId =
  | 'hello'
  | 'helloSpread'
  | 'replay'
  | 'bare'
  | 'meOne'
  | 'meMix'
  | 'refresh'
  | 'cookieRefresh'
  | 'rolesTwin'
  | 'roles'
  | 'refreshWebhooksOther'
  | 'refreshWebhooksRefreshed'
  | 'login'
  | 'argon2'
  | 'meDpop'
  | 'refreshDpop'
  | 'passkeyLogin'
  | 'totpMfa'
  | 'oidcExchange'
  | 'oidcRefresh'
  | 'clientCredentials';

/** Reference rows: what node:http and the load generator make, not the app; no latency target. */
const REFERENCES = new Set<CaseId>(['hello', 'helloSpread', 'replay']);

export interface Run {
  engine: 'SQLite' | 'PostgreSQL';
  header: string;
  labels: Map<CaseId, string>;
  rounds: Map<CaseId, Measurement[]>;
  jwsRate: number;
  memory: MemoryResult;
  skipped: string[];
  /** Errors and non-2xx outside the rounds: warm-up, set-up of the token mix. */
  otherErrors: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// Truncated, not rounded: 89.7% must not read as a missed 90%.
const pct = (ratio: number) => `${Math.floor(ratio * 1000) / 10}%`;
const ms = (value: number | undefined) => (value === undefined ? '' : value.toFixed(2));

/** The median round of a case by requests/s, with its latencies; errors summed over every round. */
function summarise(runs: Measurement[]): Measurement {
  const rps = median(runs.map((r) => r.rps));
  const chosen = runs.find((r) => r.rps === rps)!;
  const sum = (pick: (r: Measurement) => number) => runs.reduce((total, r) => total + pick(r), 0);
  return { ...chosen, errors: sum((r) => r.errors), non2xx: sum((r) => r.non2xx) };
}

type Target = [name: string, measured: string, goal: string, met: boolean];

function targets(run: Run, s: Map<CaseId, Measurement>): Target[] {
  const rps = (id: CaseId) => s.get(id)!.rps;
  const atLeast = (name: string, ratio: number, goal: number): Target => [name, pct(ratio), `>= ${pct(goal)}`, ratio >= goal];
  const atMost = (name: string, ratio: number, goal: number, shown = pct(ratio), goalShown = `<= ${pct(goal)}`): Target => [
    name,
    shown,
    goalShown,
    ratio <= goal,
  ];
  const refreshGoal = run.engine === 'SQLite' ? 0.3 : 0.15;
  // Login and raw argon2id run side by side each round: the median of the rounds' ratios, and the worst.
  const login = run.rounds.get('login')!;
  const argon2 = run.rounds.get('argon2')!;
  const loginRatios = login.map((l, i) => l.rps / argon2[i].rps);
  const medianLogin = median(loginRatios);
  const worstLogin = Math.min(...loginRatios);
  const rows: Target[] = [
    atLeast(`POST /token / bare route (${run.engine})`, rps('refresh') / rps('bare'), refreshGoal),
    atLeast(`POST /auth / raw argon2id, median of ${loginRatios.length} rounds (${loginRatios.map(pct).join(' ')})`, medianLogin, 0.8),
    atLeast('POST /auth / raw argon2id, worst round', worstLogin, 0.7),
    atLeast(`${run.labels.get('meMix')} / bare route`, rps('meMix') / rps('bare'), 0.5),
  ];
  if (s.has('cookieRefresh')) rows.push(atLeast('POST /token cookie mode / header mode', rps('cookieRefresh') / rps('refresh'), 0.9));
  if (s.has('roles')) rows.push(atLeast('@Roles route / its twin without a role', rps('roles') / rps('rolesTwin'), 0.9));
  if (s.has('refreshWebhooksOther'))
    rows.push(atLeast('POST /token, webhooks not for session.refreshed / without webhooks', rps('refreshWebhooksOther') / rps('refresh'), 0.9));
  const times = (name: string, ratio: number, goal: number): Target => [name, `${ratio.toFixed(1)}x`, `>= ${goal}x`, ratio >= goal];
  if (s.has('meDpop')) rows.push(atLeast('GET /me DPoP-bound / one token repeated (unbound)', rps('meDpop') / rps('meOne'), 0.5));
  if (s.has('refreshDpop')) rows.push(atLeast('POST /token DPoP-bound / unbound', rps('refreshDpop') / rps('refresh'), 0.7));
  if (s.has('passkeyLogin')) rows.push(times('passkey login / password login', rps('passkeyLogin') / rps('login'), 5));
  if (s.has('totpMfa')) rows.push(times('TOTP second step / password login', rps('totpMfa') / rps('login'), 5));
  if (s.has('clientCredentials')) rows.push(atLeast('client_credentials / POST /token', rps('clientCredentials') / rps('refresh'), 0.5));
  // Every case of the app; the node:http rows measure the kernel and the load generator, not the app.
  for (const [id, m] of s) {
    if (REFERENCES.has(id) || m.p50 === undefined) continue;
    const ratio = m.p99! / m.p50;
    rows.push(atMost(`p99 / p50, ${run.labels.get(id)}`, ratio, 5, `${ratio.toFixed(1)}x`, '<= 5x'));
  }
  const m = run.memory;
  const thousands = (n: number) => `${Math.round(n / 1000)}k`;
  const [tenth, all] = [thousands(m.refreshes / 10), thousands(m.refreshes)];
  rows.push(atMost(`RSS after ${all} / after ${tenth} refreshes`, m.rssAfterAllRefreshes / m.rssAfterTenthRefreshes, 1.1));
  rows.push(atMost(`RSS after ${all} / after ${tenth} distinct tokens verified`, m.rssAfterAllTokens / m.rssAfterTenthTokens, 1.1));
  if (m.rssAfterAllProofs !== undefined)
    rows.push(atMost(`RSS after ${all} / after ${tenth} DPoP proofs checked`, m.rssAfterAllProofs / m.rssAfterTenthProofs!, 1.1));
  const errors = [...s.values()].reduce((total, r) => total + r.errors + r.non2xx, 0) + m.errors + run.otherErrors;
  rows.push(['errors and non-2xx, everywhere', String(errors), '0', errors === 0]);
  return rows;
}

/** Prints the table and the targets; sets a non-zero exit code when one is missed. */
export function report(run: Run): void {
  const summary = new Map([...run.rounds].map(([id, runs]) => [id, summarise(runs)]));
  console.log(`\n${run.header}\n`);
  console.log('| case | requests/s | p50 ms | p99 ms | errors | non-2xx |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [id, s] of summary) {
    const http = s.p50 === undefined ? '| | | | |' : `| ${ms(s.p50)} | ${ms(s.p99)} | ${s.errors} | ${s.non2xx} |`;
    console.log(`| ${run.labels.get(id)} | ${Math.round(s.rps)} ${http}`);
  }
  console.log(`| raw ES256 access-token verify, 1 thread (no HTTP) | ${Math.round(run.jwsRate)} | | | | |`);
  for (const line of run.skipped) console.log(`\nskipped: ${line}`);
  const m = run.memory;
  console.log(
    `\nMemory (heap capped at ${m.heapCapMiB} MiB): RSS ${m.rssAfterTenthRefreshes.toFixed(1)} MiB after ${m.refreshes / 10} refreshes, ` +
      `${m.rssAfterAllRefreshes.toFixed(1)} MiB after ${m.refreshes}; then ${m.rssAfterTenthTokens.toFixed(1)} MiB after a tenth of ` +
      `the ${m.refreshes} access tokens they issued were verified, ${m.rssAfterAllTokens.toFixed(1)} MiB after all` +
      (m.rssAfterAllProofs === undefined
        ? ''
        : `; ${m.rssAfterTenthProofs!.toFixed(1)} MiB after ${m.refreshes / 10} DPoP proofs checked, ${m.rssAfterAllProofs.toFixed(1)} MiB after ${m.refreshes}`) +
      '\n',
  );
  const rows = targets(run, summary);
  console.log('| target | measured | goal | |');
  console.log('|---|---:|---:|---|');
  for (const [name, value, goal, met] of rows) console.log(`| ${name} | ${value} | ${goal} | ${met ? 'met' : 'MISSED'} |`);
  const rps = (id: CaseId) => summary.get(id)!.rps;
  console.log(
    `\nFor reference (not targets): node:http sending the bare route's exact response bytes makes ${pct(rps('replay') / rps('hello'))} ` +
      `of the hello server, and the bare route ${pct(rps('bare') / rps('replay'))} of that; the load generator spreading its ` +
      `requests over the token mix makes ${pct(rps('helloSpread') / rps('hello'))} of its plain rate against the hello server.`,
  );
  if (summary.has('refreshWebhooksRefreshed')) {
    console.log(
      `With a subscriber to session.refreshed (an outbox row stored before each refresh answers, delivered by the worker in the ` +
        `same process), POST /token makes ${pct(rps('refreshWebhooksRefreshed') / rps('refresh'))} of its rate without webhooks; not a target: the cost is the subscriber's to ask for.`,
    );
  }
  if (rows.some(([, , , met]) => !met)) process.exitCode = 1;
}
