/*
 * npm run bench: the production server in its own process (fresh SQLite, or BENCH_DATABASE_URL),
 * driven from this process with autocannon on 127.0.0.1, every case measured against baselines taken
 * in the same run. Each case, the raw argon2id rate included, runs BENCH_ROUNDS times (default 3), the
 * cases alternating, and the median round is reported, after one uncounted warm-up pass
 * (BENCH_WARMUP_SECONDS per case, default 2). Bounded: BENCH_SECONDS per case and round (default 4).
 * BENCH_SCALING=1 runs the scaling run (bench/scaling.ts) instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PasswordHasher } from '../src/users/password-hasher';
import { grantAdmin } from './admin';
import { CONNECTIONS, JSON_HEADERS, Measurement, RefreshChains, SECONDS, cannon, spread } from './load';
import { HEAP_CAP_MIB, memoryCase } from './memory';
import { CookieChains, cookieLogin, rolesSkipReason } from './optional';
import { CORES, rawArgon2VerifyRate, rawJwsVerifyRate } from './raw';
import { CaseId, report } from './report';
import { runScaling } from './scaling';
import { Servers, inParallel, post, stop } from './servers';
import { PASSWORD, tokenMix } from './tokens';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const MIX_USERS = Number(process.env.BENCH_USERS ?? 400);
const MIX_TOKENS = Number(process.env.BENCH_TOKENS ?? 10_000);
const MEMORY_REFRESHES = Number(process.env.BENCH_MEMORY_REFRESHES ?? 100_000);
const BARE_ROUTE = '/.well-known/session-policy';

interface Case {
  id: CaseId;
  label: string;
  run(seconds?: number): Promise<Measurement>;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'refresh-auth-bench-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.sqlite')}`;
  const engine = databaseUrl.startsWith('postgres') ? 'PostgreSQL' : 'SQLite';
  const servers = new Servers();
  try {
    const hello = await servers.start('bench/hello-server.js', {}, '/');
    // Access tokens live an hour here, so the token mix made at the start stays valid to the end.
    const appEnv = {
      DATABASE_URL: databaseUrl,
      AUTH_ISSUER: 'http://bench.local',
      AUTH_REFRESH_MAX_PER_MINUTE: '10000000',
      // The bench signs up and logs in from one address far more than a person would.
      AUTH_LOGIN_MAX_SUCCESSES_PER_ADDRESS: '10000000',
      AUTH_SIGNUP_MAX_PER_ADDRESS: '1000000',
      // PostgreSQL refuses to start without a key-encryption secret; the bench database is thrown away.
      AUTH_KEY_ENCRYPTION_SECRET: process.env.AUTH_KEY_ENCRYPTION_SECRET ?? randomBytes(32).toString('base64url'),
      AUTH_ACCESS_TTL: '1h',
    };
    const app = await servers.start('src/main.js', appEnv, '/health');
    const replay = await servers.start('bench/replay-server.js', { REPLAY_RESPONSE: await recordResponse(`${app.url}${BARE_ROUTE}`) }, '/');

    // Two users: `credentials` logs in over and over (refresh chains, the login case), so the per-user cap
    // on live clients ends its oldest ones; the reader logs in once and its token stays valid to the end.
    const credentials = { username: `bench_${Date.now()}`, password: PASSWORD };
    await post(`${app.url}/users`, credentials);
    const reader = { username: `bench_reader_${Date.now()}`, password: PASSWORD };
    await post(`${app.url}/users`, reader);
    await grantAdmin(appEnv, reader.username); // for the @Roles case, before the login that carries the role
    const stored = await new PasswordHasher().hash(PASSWORD); // the app's own argon2id parameters
    const login = await post(`${app.url}/auth?permanent=true`, reader);
    const accessToken: string = login.token.accessToken;
    // One permanent client per connection, fresh each round: the previous round's chains moved on.
    const logins = (url: string, headers?: Record<string, string>) =>
      inParallel(CONNECTIONS, CORES, async () => (await post(`${url}/auth?permanent=true`, credentials, headers)).token.refreshToken as string);
    const mix = await tokenMix(app.url, MIX_USERS, MIX_TOKENS, CORES);
    const bearer = (token: string) => ({ method: 'GET' as const, path: '/me', headers: { authorization: `Bearer ${token}` } });
    const meMix = spread(mix.accessTokens, 'at random', bearer);

    const cases: Case[] = [
      { id: 'hello', label: 'node:http hello', run: (seconds) => cannon({ url: `${hello.url}/` }, seconds) },
      {
        id: 'helloSpread',
        label: 'node:http hello, requests spread over the token mix',
        run: (seconds) =>
          cannon({ url: hello.url, requests: [spread(mix.accessTokens, 'at random', (t) => ({ ...bearer(t), path: '/' }))] }, seconds),
      },
      { id: 'replay', label: "node:http replaying the bare route's response", run: (seconds) => cannon({ url: `${replay.url}/` }, seconds) },
      { id: 'bare', label: 'bare public route', run: (seconds) => cannon({ url: `${app.url}${BARE_ROUTE}` }, seconds) },
      { id: 'meOne', label: 'GET /me, one token repeated', run: (seconds) => cannon({ url: app.url, requests: [bearer(accessToken)] }, seconds) },
      {
        id: 'meMix',
        label: `GET /me, ${mix.accessTokens.length} tokens of ${MIX_USERS} users`,
        run: (seconds) => cannon({ url: app.url, requests: [meMix] }, seconds),
      },
      {
        id: 'refresh',
        label: 'POST /token (rotation)',
        run: async (seconds) => cannon({ url: app.url, requests: [new RefreshChains(await logins(app.url)).request()] }, seconds),
      },
    ];
    const skipped: string[] = [];
    const cookie = await cookieLogin(app.url, credentials);
    if (cookie.skipped) skipped.push(`POST /token in cookie mode: ${cookie.skipped}`);
    else {
      const cookies = () => inParallel(CONNECTIONS, CORES, async () => (await cookieLogin(app.url, credentials)).cookie!);
      cases.push({
        id: 'cookieRefresh',
        label: 'POST /token, cookie mode',
        run: async (seconds) => cannon({ url: app.url, requests: [new CookieChains(await cookies()).request()] }, seconds),
      });
    }
    // The @Roles pair: the same handler with and without @Roles('admin'), on the app with a feature module
    // added (bench/twins-server.ts), sharing the database and so the signing keys and the admin user.
    const twins = await servers.start('bench/twins-server.js', appEnv, '/health');
    const rolesSkipped = await rolesSkipReason(twins.url, accessToken);
    if (rolesSkipped) skipped.push(`the @Roles-guarded route: ${rolesSkipped}`);
    else {
      const caller = (path: string) => ({ ...bearer(accessToken), path });
      cases.push(
        {
          id: 'rolesTwin',
          label: 'GET /bench/caller (feature route, no role)',
          run: (seconds) => cannon({ url: twins.url, requests: [caller('/bench/caller')] }, seconds),
        },
        {
          id: 'roles',
          label: "GET /bench/caller/admin (the same, @Roles('admin'))",
          run: (seconds) => cannon({ url: twins.url, requests: [caller('/bench/caller/admin')] }, seconds),
        },
      );
    }
    cases.push(...(await webhookCases(servers, appEnv, databaseUrl, dir, credentials, skipped)));
    // Login and raw argon2id in one-second slices, taking turns, so both see the machine in the same state
    // (a shared machine's speed drifts within seconds); the argon2id case reports the slices of the login
    // case that ran just before it.
    const loginRequest = {
      url: `${app.url}/auth`,
      method: 'POST' as const,
      headers: JSON_HEADERS,
      body: JSON.stringify(credentials),
      connections: CORES,
    };
    let pairedArgon2: Measurement | undefined;
    cases.push(
      {
        id: 'login',
        label: `POST /auth (login, ${CORES} connections)`,
        run: async (seconds = SECONDS) => {
          const slices = Math.max(1, Math.round(seconds));
          const logins: Measurement[] = [];
          const verifies: Measurement[] = [];
          const slice = seconds / slices;
          for (let i = 0; i < slices; i += 1) {
            if (i % 2 === 0) logins.push(await cannon(loginRequest, slice));
            verifies.push(await rawArgon2VerifyRate(stored, PASSWORD, slice));
            if (i % 2 === 1) logins.push(await cannon(loginRequest, slice));
          }
          pairedArgon2 = combine(verifies);
          return combine(logins);
        },
      },
      { id: 'argon2', label: `raw argon2id verify, ${CORES} parallel (no HTTP)`, run: async () => pairedArgon2! },
    );

    // Warm-up, not counted: what is measured is a server whose hot paths are compiled and whose heap is
    // sized, for the baselines and the app alike. Its errors and non-2xx still count.
    let otherErrors = mix.errors;
    if (WARMUP_SECONDS > 0) {
      for (const c of cases) {
        const warmup = await c.run(WARMUP_SECONDS);
        otherErrors += warmup.errors + warmup.non2xx;
      }
    }
    const rounds = new Map<CaseId, Measurement[]>(cases.map((c) => [c.id, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      // Reversed every other round, the login and argon2id pair swapped with the rest.
      const order = round % 2 ? [...cases].reverse() : cases;
      for (const c of order) rounds.get(c.id)!.push(await c.run());
    }

    // Outside HTTP: the physical limit of token verification on this machine.
    const jwks = (await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
    const jwsRate = rawJwsVerifyRate(accessToken, jwks.keys[0]);

    await stop(app);
    const capped = await servers.start('src/main.js', appEnv, '/health', [`--max-old-space-size=${HEAP_CAP_MIB}`]);
    const memory = await memoryCase(capped, await logins(capped.url), MEMORY_REFRESHES);

    const header =
      `refresh-auth benchmark: ${engine}, ${CORES} cores, ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} rounds (median), ` +
      `warm-up ${WARMUP_SECONDS} s per case`;
    report({ engine, header, labels: new Map(cases.map((c) => [c.id, c.label])), rounds, jwsRate, memory, skipped, otherErrors });
  } finally {
    await servers.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The refresh on two more servers, each on a database of its own, with webhooks to a counting receiver:
 * one subscribed to `session.ended` only (a refresh must cost what it costs without webhooks), one to
 * `session.refreshed` (every refresh stores an outbox row before it answers, and the worker delivers
 * it). After each run of the subscribed case the bench waits for the receiver to have every delivery,
 * so the deliveries do not run into the next case. SQLite only: PostgreSQL would need databases the
 * bench does not own.
 */
async function webhookCases(
  servers: Servers,
  appEnv: Record<string, string>,
  databaseUrl: string,
  dir: string,
  credentials: { username: string; password: string },
  skipped: string[],
): Promise<Case[]> {
  if (!databaseUrl.startsWith('sqlite:')) {
    skipped.push('the webhook cases: they run on SQLite only (each needs a database of its own)');
    return [];
  }
  const receiver = await servers.start('bench/receiver-server.js', {}, '/count');
  const received = async () => ((await (await fetch(`${receiver.url}/count`)).json()) as { received: number }).received;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const made: Case[] = [];
  for (const [id, events, label] of [
    ['refreshWebhooksOther', 'session.ended', 'POST /token, webhooks for session.ended only'],
    ['refreshWebhooksRefreshed', 'session.refreshed', 'POST /token, webhooks for session.refreshed'],
  ] as const) {
    const env = {
      ...appEnv,
      DATABASE_URL: `sqlite:${join(dir, `${id}.sqlite`)}`,
      AUTH_WEBHOOK_URLS: `${receiver.url}/hook`,
      AUTH_WEBHOOK_SECRET: secret,
      AUTH_WEBHOOK_EVENTS: events,
    };
    const server = await servers.start('src/main.js', env, '/health');
    await post(`${server.url}/users`, credentials);
    let refreshed = 0;
    made.push({
      id,
      label,
      run: async (seconds) => {
        const tokens = await inParallel(
          CONNECTIONS,
          CORES,
          async () => (await post(`${server.url}/auth?permanent=true`, credentials)).token.refreshToken as string,
        );
        const result = await cannon({ url: server.url, requests: [new RefreshChains(tokens).request()] }, seconds);
        if (events !== 'session.refreshed') return result;
        refreshed += result.requests - result.non2xx;
        const deadline = Date.now() + 120_000;
        while ((await received()) < refreshed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        const missing = refreshed - (await received());
        return missing > 0 ? { ...result, errors: result.errors + missing } : result;
      },
    });
  }
  return made;
}

/** Slices of one case as one measurement: requests over the time they took; errors summed; latencies of the median slice. */
function combine(slices: Measurement[]): Measurement {
  const sum = (pick: (m: Measurement) => number) => slices.reduce((total, m) => total + pick(m), 0);
  const middle = [...slices].sort((a, b) => a.rps - b.rps)[Math.floor(slices.length / 2)];
  const took = sum((m) => (m.rps > 0 ? m.requests / m.rps : 0));
  return {
    ...middle,
    rps: took > 0 ? sum((m) => m.requests) / took : 0,
    requests: sum((m) => m.requests),
    errors: sum((m) => m.errors),
    non2xx: sum((m) => m.non2xx),
  };
}

/** The status, headers (less those node:http adds itself) and body of one response, for the replay server. */
async function recordResponse(url: string): Promise<string> {
  const response = await fetch(url);
  const added = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
  const headers = [...response.headers].filter(([name]) => !added.has(name));
  return JSON.stringify({ status: response.status, headers, body: await response.text() });
}

(process.env.BENCH_SCALING === '1' ? runScaling() : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
