/*
 * npm run bench: the production server in its own process (fresh SQLite, or BENCH_DATABASE_URL),
 * driven from this process with autocannon on 127.0.0.1, every case measured against baselines taken
 * in the same run. Each case, the raw argon2id rate included, runs BENCH_ROUNDS times (default 5), the
 * cases alternating, and the median round is reported, after one uncounted warm-up pass
 * (BENCH_WARMUP_SECONDS per case, default 2). Bounded: BENCH_SECONDS per case and round (default 4).
 * Cases of features the server may not have yet (DPoP, passkeys, TOTP, OpenID Connect) are probed at
 * start and print `skipped: <what the server answered>` until the feature answers.
 * BENCH_SCALING=1 runs the scaling run (bench/scaling.ts) instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PasswordHasher } from '../src/users/password-hasher';
import { grantAdmin } from './admin';
import { CONNECTIONS, JSON_HEADERS, Measurement, RefreshChains, SECONDS, cannon, spread } from './load';
import { heapCapMiB, memoryCase } from './memory';
import { CookieChains, cookieLogin, rolesSkipReason } from './optional';
import { BoundRefreshChains, DpopKey, DpopSupport, ProofPool, boundMe, dpopLogin } from './dpop-load';
import { TotpUsers, enrolPasskey, mfaSteps, passkeyLogins } from './factors-load';
import { AuthorizationCodes, OAuthRefreshChains, clientCredentials, clientCredentialsSkipReason, exchanges, registerApplications } from './oidc-load';
import { CORES, rawArgon2VerifyRate, rawJwsVerifyRate } from './raw';
import { CaseId, report } from './report';
import { runScaling } from './scaling';
import { Server, Servers, inParallel, post, stop } from './servers';
import { PASSWORD, tokenMix } from './tokens';
import { ownDatabase } from './postgres';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const MIX_USERS = Number(process.env.BENCH_USERS ?? 400);
const MIX_TOKENS = Number(process.env.BENCH_TOKENS ?? 10_000);
const MEMORY_REFRESHES = Number(process.env.BENCH_MEMORY_REFRESHES ?? 100_000);
const BARE_ROUTE = '/.well-known/session-policy';
/**
 * Logins in flight: two per core. A login is a hash on a libuv thread between two stretches of the
 * event loop (the user's row and the request before it; the client INSERT, the signature and the
 * response after it) and a round trip to the load generator; with one login per core, a hashing
 * thread waits through all of that after each hash. With two, the next login's hash is ready to run
 * (libuv has 4 threads) while the event loop finishes the previous one; a third per core only queues.
 */
const LOGIN_CONNECTIONS = Number(process.env.BENCH_LOGIN_CONNECTIONS ?? 2 * CORES);
const MFA_USERS = Number(process.env.BENCH_MFA_USERS ?? 300);
const OIDC_CODES = Number(process.env.BENCH_OIDC_CODES ?? 1000);

interface Case {
  id: CaseId;
  label: string;
  run(seconds?: number): Promise<Measurement>;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'refresh-auth-bench-'));
  // BENCH_POSTGRES=postgres://user@host:port: a database of the bench's own there, dropped at the end.
  const postgres = process.env.BENCH_POSTGRES ? await ownDatabase(process.env.BENCH_POSTGRES) : undefined;
  const databaseUrl = postgres?.url ?? process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.sqlite')}`;
  const engine = databaseUrl.startsWith('postgres') ? 'PostgreSQL' : 'SQLite';
  const servers = new Servers();
  // Interrupted: the servers stop and the database of its own goes, as at the end.
  const interrupted = () => void Promise.allSettled([servers.stopAll(), postgres?.drop()]).finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
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
      // The OpenID Connect case signs in through cookie mode over plain http on 127.0.0.1.
      AUTH_COOKIE_SECURE: 'false',
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
    // The best rate seen so far per case (warm-up included): sizes the pools of things used once per request.
    const best = new Map<CaseId, number>();
    const hint = (...ids: CaseId[]) => ids.map((id) => best.get(id)).find((rate) => rate !== undefined) ?? 5000;
    cases.push(...(await dpopCases(app, appEnv.AUTH_ISSUER, credentials, reader, hint, skipped)));
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
      connections: LOGIN_CONNECTIONS,
    };
    // The raw rate measured beside each login run; the rounds loop files it with the login's round.
    let pairedArgon2: Measurement | undefined;
    cases.push({
      id: 'login',
      label: `POST /auth (login, ${LOGIN_CONNECTIONS} connections)`,
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
    });
    cases.push(...(await factorCases(app.url, new URL(appEnv.AUTH_ISSUER).origin, skipped)));
    cases.push(...(await oidcCases(app.url, accessToken, skipped)));

    console.error(`cases: ${cases.map((c) => c.id).join(', ')}${skipped.map((line) => `\nskipped: ${line}`).join('')}`);
    // Warm-up, not counted: what is measured is a server whose hot paths are compiled and whose heap is
    // sized, for the baselines and the app alike. Its errors and non-2xx still count.
    let otherErrors = mix.errors;
    const measure = async (c: Case, seconds?: number) => {
      const m = await c.run(seconds);
      // Only a clean run: one whose pool ran dry answered fast 401s, and would size the next pool by them.
      if (m.errors === 0 && m.non2xx === 0) best.set(c.id, Math.max(best.get(c.id) ?? 0, m.rps));
      return m;
    };
    if (WARMUP_SECONDS > 0) {
      for (const c of cases) {
        const warmup = await measure(c, WARMUP_SECONDS);
        otherErrors += warmup.errors + warmup.non2xx;
      }
    }
    // The raw argon2id rate is filed right after the login's round it was measured beside.
    const rounds = new Map<CaseId, Measurement[]>(
      cases.flatMap((c) => (c.id === 'login' ? ['login', 'argon2'] : [c.id])).map((id) => [id as CaseId, []]),
    );
    for (let round = 0; round < ROUNDS; round += 1) {
      // Reversed every other round.
      const order = round % 2 ? [...cases].reverse() : cases;
      for (const c of order) {
        rounds.get(c.id)!.push(await measure(c));
        if (c.id === 'login') rounds.get('argon2')!.push(pairedArgon2!);
      }
    }
    const labels = new Map(cases.map((c) => [c.id, c.label]));
    labels.set('argon2', `raw argon2id verify, ${CORES} parallel (no HTTP)`);

    // Outside HTTP: the physical limit of token verification on this machine.
    const jwks = (await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
    const jwsRate = rawJwsVerifyRate(accessToken, jwks.keys[0]);

    await stop(app);
    // DPoP proofs in the memory case only when the rounds' server took them.
    const withDpop = cases.some((c) => c.id === 'meDpop');
    const capped = await servers.start('src/main.js', appEnv, '/health', [`--max-old-space-size=${heapCapMiB(withDpop)}`]);
    const dpopKey = await DpopKey.create();
    const dpop = withDpop ? await dpopLogin(capped.url, appEnv.AUTH_ISSUER, dpopKey, reader, false) : undefined;
    const bound = dpop?.token && { ...dpop.support!, accessToken: dpop.token.accessToken, key: dpopKey };
    const memory = await memoryCase(capped, await logins(capped.url), MEMORY_REFRESHES, bound || undefined);

    const header =
      `refresh-auth benchmark: ${engine}, ${CORES} cores, ${CONNECTIONS} connections (login ${LOGIN_CONNECTIONS}), ${SECONDS} s x ${ROUNDS} rounds (median), ` +
      `warm-up ${WARMUP_SECONDS} s per case; load average before ${loadBefore}, after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`;
    report({ engine, header, labels, rounds, jwsRate, memory, skipped, otherErrors });
  } finally {
    await servers.stopAll();
    rmSync(dir, { recursive: true, force: true });
    await postgres?.drop();
  }
}

/**
 * DPoP (API.md §14): GET /me with a bound token, a fresh proof each request, against GET /me with one
 * token repeated; bound refresh chains against the plain ones. Proofs are signed with jose before each
 * run, as many as the case's best rate so far (else its twin's) could use, and each is used once.
 */
async function dpopCases(
  app: Server,
  issuer: string,
  credentials: { username: string; password: string },
  reader: { username: string; password: string },
  hint: (...ids: CaseId[]) => number,
  skipped: string[],
): Promise<Case[]> {
  const key = await DpopKey.create();
  const probe = await dpopLogin(app.url, issuer, key, reader, false);
  if (!probe.token) {
    skipped.push(`the DPoP cases: ${probe.skipped}`);
    return [];
  }
  const support: DpopSupport = probe.support!;
  const me = await fetch(`${app.url}/me`, {
    headers: {
      authorization: `DPoP ${probe.token.accessToken}`,
      dpop: await key.proof('GET', `${support.htuBase}/me`, { ...support, accessToken: probe.token.accessToken }),
    },
  });
  if (!me.ok) {
    skipped.push(`the DPoP cases: GET /me with a bound token and its proof answered ${me.status} ${me.headers.get('www-authenticate') ?? ''}`);
    return [];
  }
  // Sized by the unbound twin, the ceiling of a bound case: a pool sized by the bound case's own earlier
  // rounds ran dry once the server got faster than them (docs/benchmarks.md).
  const poolFor = (rate: number, seconds: number) => Math.ceil(rate * seconds * 1.3) + 1000;
  const withExhaustion = (m: Measurement, pool: ProofPool) => ({ ...m, errors: m.errors + pool.exhausted });
  return [
    {
      id: 'meDpop',
      label: 'GET /me, DPoP-bound token (a new proof each request)',
      run: async (seconds = SECONDS) => {
        const pool = new ProofPool(
          await key.proofs(poolFor(Math.max(hint('meOne'), hint('meDpop')), seconds), 'GET', `${support.htuBase}/me`, {
            ...support,
            accessToken: probe.token!.accessToken,
          }),
        );
        return withExhaustion(await cannon({ url: app.url, requests: [boundMe(probe.token!.accessToken, pool)] }, seconds), pool);
      },
    },
    {
      id: 'refreshDpop',
      label: 'POST /token, DPoP-bound (a new proof each request)',
      run: async (seconds = SECONDS) => {
        const tokens = await inParallel(CONNECTIONS, CORES, async () => {
          const bound = await dpopLogin(app.url, issuer, key, credentials, true, support);
          if (!bound.token?.refreshToken) throw new Error(`DPoP login: ${bound.skipped}`);
          return bound.token.refreshToken;
        });
        const rate = Math.max(hint('refresh'), hint('refreshDpop'));
        const pool = new ProofPool(await key.proofs(poolFor(rate, seconds), 'POST', `${support.htuBase}/token`, support));
        return withExhaustion(await cannon({ url: app.url, requests: [new BoundRefreshChains(tokens, pool).request()] }, seconds), pool);
      },
    },
  ];
}

/**
 * A passwordless passkey login (options, then the assertion of a software authenticator) and the TOTP
 * second step of a login, each against the password login. The TOTP step uses a code and an MFA
 * token once each: before each run, every TOTP user does the password step (argon2id, not measured)
 * and the run then finishes those logins.
 */
async function factorCases(url: string, origin: string, skipped: string[]): Promise<Case[]> {
  const made: Case[] = [];
  const passkey = await enrolPasskey(url, origin, `bench_passkey_${Date.now()}`);
  if (passkey.skipped) skipped.push(`the passkey login: ${passkey.skipped}`);
  else {
    const latencies: number[] = [];
    made.push({
      id: 'passkeyLogin',
      label: 'POST /auth/passkey/options + POST /auth/passkey (passkey login; logins/s)',
      run: (seconds) => cannon({ url, requests: passkeyLogins(passkey.passkey!, latencies) }, seconds, { ownLatencies: latencies, per: 2 }),
    });
  }
  const totp = await TotpUsers.enrol(url, `bench_totp_${Date.now()}_`, MFA_USERS, LOGIN_CONNECTIONS);
  if (totp.skipped) skipped.push(`the TOTP second step: ${totp.skipped}`);
  else {
    made.push({
      id: 'totpMfa',
      label: `POST /auth/mfa (TOTP second step, ${MFA_USERS} per run)`,
      run: async () => {
        const steps = await totp.users!.passwordSteps(LOGIN_CONNECTIONS);
        if (typeof steps === 'string') throw new Error(steps);
        const bodies = TotpUsers.bodies(steps);
        const unused = steps.length - bodies.length; // users without a usable step: counted as errors
        if (bodies.length === 0) return { rps: 0, requests: 0, errors: unused, non2xx: 0 };
        const m = await cannon({ url, amount: bodies.length, requests: [mfaSteps(bodies)] });
        return { ...m, errors: m.errors + unused };
      },
    });
  }
  return made;
}

/**
 * The service as an OpenID Connect provider: the code exchange (codes made through /authorize before
 * each run, OIDC_CODES of them, each traded once), the refresh grant of the clients exchanges open,
 * and client_credentials for a confidential application, against the plain refresh.
 */
async function oidcCases(url: string, adminToken: string, skipped: string[]): Promise<Case[]> {
  const registered = await registerApplications(url, adminToken);
  if (registered.skipped) {
    skipped.push(`the OpenID Connect cases: ${registered.skipped}`);
    return [];
  }
  const apps = registered.apps!;
  const made: Case[] = [];
  const codes = await AuthorizationCodes.forNewUser(url, apps.publicClientId, `bench_oidc_${Date.now()}`);
  const first = await codes.one();
  const exchanged = first.code ? await codes.exchange(first.code) : undefined;
  if (!first.code) skipped.push(`the OpenID Connect code exchange and its refresh: ${first.refused}`);
  else if (!exchanged?.refresh_token)
    skipped.push(`the OpenID Connect code exchange and its refresh: POST /oauth/token answered ${exchanged?.error ?? 'no refresh_token'}`);
  else {
    made.push(
      {
        id: 'oidcExchange',
        label: `POST /oauth/token, authorization_code (${OIDC_CODES} codes per run)`,
        run: async () => {
          const bodies = (await codes.many(OIDC_CODES)).map((code) => codes.exchangeBody(code));
          return cannon({ url, amount: bodies.length, requests: [exchanges(bodies)] });
        },
      },
      {
        id: 'oidcRefresh',
        label: 'POST /oauth/token, refresh_token (clients opened by code exchanges)',
        run: async (seconds) => {
          const tokens = await inParallel(CONNECTIONS, 4, async () => {
            const { code, refused } = await codes.one();
            const response = code ? await codes.exchange(code) : { error: refused };
            if (!response.refresh_token) throw new Error(`OpenID Connect exchange: ${response.error}`);
            return response.refresh_token;
          });
          return cannon({ url, requests: [new OAuthRefreshChains(tokens, apps.publicClientId).request()] }, seconds);
        },
      },
    );
  }
  const refused = await clientCredentialsSkipReason(url, apps.confidential);
  if (refused) skipped.push(`client_credentials: ${refused}`);
  else
    made.push({
      id: 'clientCredentials',
      label: 'POST /oauth/token, client_credentials',
      run: (seconds) => cannon({ url, requests: [clientCredentials(apps.confidential)] }, seconds),
    });
  return made;
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
