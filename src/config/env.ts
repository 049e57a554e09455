import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { IsIn, IsPort, Matches, MinLength, ValidateBy, ValidateIf, validateSync, ValidationOptions } from 'class-validator';
import { parseDurationSeconds } from './duration';
import { readEnvironment } from './env-file';
import { SESSION_EVENT_TYPES, SessionEventType } from './session-event-types';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** The access-token signing algorithms src/keys/ implements; declared here so config imports nothing of ours. */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

const BOOLEAN = ['true', 'false'];
export const COOKIE_SAMESITE = ['lax', 'strict', 'none'] as const;
export type CookieSameSite = (typeof COOKIE_SAMESITE)[number];
const setOnly = (_object: object, value: unknown) => value !== '';

/** A duration from `min` to `max` (both as the variable would spell them), checked at start. */
function IsDuration(min: string, max: string): PropertyDecorator {
  const [low, high] = [parseDurationSeconds(min) as number, parseDurationSeconds(max) as number];
  return ValidateBy({
    name: 'isDuration',
    validator: {
      validate: (value: unknown) => {
        const seconds = typeof value === 'string' ? parseDurationSeconds(value) : null;
        return seconds !== null && seconds >= low && seconds <= high;
      },
      defaultMessage: () => `expected a duration from ${min} to ${max}, as seconds or with a unit (10s, 15m, 12h, 30d)`,
    },
  });
}

function IsIntegerString(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'isIntegerString',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max,
      defaultMessage: () => `expected an integer from ${min} to ${max}`,
    },
  });
}

/** `false`, a hop count, or the addresses/CIDRs of our proxies: what Fastify's trustProxy takes, minus `true`. */
export type TrustProxy = false | number | string[];

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

function parseTrustProxy(text: string): TrustProxy | undefined {
  if (text === 'false') return false;
  if (/^\d+$/.test(text)) return Number(text) >= 1 && Number(text) <= 16 ? Number(text) : undefined;
  const entries = text.split(',').map((entry) => entry.trim());
  return entries.every(isAddressOrCidr) ? entries : undefined;
}

function IsTrustProxy(): PropertyDecorator {
  return ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseTrustProxy(value) !== undefined,
      defaultMessage: (args) =>
        args?.value === 'true'
          ? 'expected false, a hop count or proxy addresses, not true: true takes the left-most X-Forwarded-For entry, which the client writes, so anyone could choose their address and dodge the login limits'
          : 'expected false, a hop count from 1 to 16, or comma-separated proxy addresses/CIDRs like 127.0.0.1,10.0.0.0/8',
    },
  });
}

const expected = (what: string): ValidationOptions => ({ message: `expected ${what}` });

/** Why AUTH_WEBHOOK_URLS is refused, or null. */
function webhookUrlsProblem(value: unknown): string | null {
  for (const text of String(value).split(',')) {
    if (!/^https?:\/\/[^\s,]+$/.test(text) || !URL.canParse(text)) return 'expected comma-separated http(s) URLs';
    // Each URL is stored in every outbox row and would reach logs and backups with its password;
    // receivers authenticate us by the signature instead.
    const url = new URL(text);
    if (url.username || url.password) return 'expected URLs without user:pass@ (a secret in a URL ends up in logs; receivers check the signature)';
  }
  return null;
}

function IsWebhookUrls(): PropertyDecorator {
  return ValidateBy({
    name: 'isWebhookUrls',
    validator: { validate: (value: unknown) => webhookUrlsProblem(value) === null, defaultMessage: (args) => webhookUrlsProblem(args?.value) ?? '' },
  });
}

const unknownEventTypes = (value: unknown) =>
  String(value)
    .split(',')
    .filter((type) => !(SESSION_EVENT_TYPES as readonly string[]).includes(type));

function IsEventTypes(): PropertyDecorator {
  return ValidateBy({
    name: 'isEventTypes',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && unknownEventTypes(value).length === 0,
      defaultMessage: (args) =>
        `unknown event type ${unknownEventTypes(args?.value)
          .map((type) => JSON.stringify(type))
          .join(', ')}; expected comma-separated types from ${SESSION_EVENT_TYPES.join(', ')}`,
    },
  });
}

/**
 * Every environment variable the service reads, declared once: its name, its default and its rule
 * (class-validator). `loadEnv` is the only reader of `process.env`; `.env.example` lists the same
 * variables (a test keeps them in step). An empty value means the default.
 */
export class EnvironmentVariables {
  @IsPort(expected('a port from 0 to 65535')) PORT = '1337';
  @Matches(/^\S+$/, expected('a host name or address')) HOST = '0.0.0.0';
  @IsTrustProxy() TRUST_PROXY = 'false';
  @IsIn(LOG_LEVELS, expected(`one of ${LOG_LEVELS.join(', ')}`)) LOG_LEVEL = 'info';
  @ValidateIf(setOnly)
  @Matches(/^https?:\/\/[^/\s,]+(\s*,\s*https?:\/\/[^/\s,]+)*$/, expected('comma-separated origins like https://app.example.com'))
  CORS_ORIGINS = '';
  @IsIn(BOOLEAN, expected('true or false')) AUTH_COOKIE_SECURE = 'true';
  /** Cookie mode's SameSite; `none` (an app on another site) needs Secure cookies, so it is refused with AUTH_COOKIE_SECURE=false. */
  @IsIn(COOKIE_SAMESITE, expected('lax, strict or none'))
  @ValidateBy(
    {
      name: 'sameSiteNoneNeedsSecure',
      validator: { validate: (value, args) => value !== 'none' || (args?.object as EnvironmentVariables).AUTH_COOKIE_SECURE === 'true' },
    },
    expected('lax or strict while AUTH_COOKIE_SECURE=false (browsers drop SameSite=None cookies that are not Secure)'),
  )
  AUTH_COOKIE_SAMESITE = 'lax';
  /** The longest a client may take to send a whole request (headers and body), then 408 and closed. */
  @IsDuration('1s', '5m') HTTP_REQUEST_TIMEOUT = '10s';
  /** Open connections, in all; beyond it new ones are closed at once. */
  @IsIntegerString(1, 1_000_000) HTTP_MAX_CONNECTIONS = '10000';
  /** Open connections per client address (0: no cap; behind a proxy every connection is the proxy's). */
  @IsIntegerString(0, 1_000_000) HTTP_MAX_CONNECTIONS_PER_ADDRESS = '256';

  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, expected('sqlite:<path>, sqlite::memory: or postgres://user:pass@host:port/db'))
  DATABASE_URL = 'sqlite:data/refresh-auth.sqlite';
  /** The longest a statement may run, or wait for a stalled PostgreSQL (SQLite: for a lock). */
  @IsDuration('1s', '10m') DATABASE_QUERY_TIMEOUT = '5s';
  /** The longest a request waits for a PostgreSQL connection (pool or new). */
  @IsDuration('1s', '1m') DATABASE_CONNECT_TIMEOUT = '2s';
  @ValidateIf(setOnly) @Matches(/^rediss?:\/\/\S+$/, expected('redis://[user:pass@]host:port[/db]')) REDIS_URL = '';
  @Matches(/^[\w:.-]{1,64}$/, expected('up to 64 of A-Z a-z 0-9 _ : . -')) REDIS_KEY_PREFIX = 'refresh-auth:';

  /** Default: http://localhost:<PORT>. */
  @ValidateIf(setOnly) @Matches(/^https?:\/\/\S+$/, expected('an http(s) URL')) AUTH_ISSUER = '';
  // Duration caps: timers stay below 2^31-1 ms (24.8 days), instants stay far inside JS Date and BIGINT.
  @Matches(/^\S{1,200}$/, expected('a non-empty string without spaces')) AUTH_AUDIENCE = 'refresh-auth';
  @IsDuration('1s', '1d') AUTH_ACCESS_TTL = '15m';
  @IsDuration('1s', '3650d') AUTH_REFRESH_IDLE_TTL = '30d';
  @IsDuration('1s', '3650d') AUTH_REFRESH_ABSOLUTE_TTL = '90d';
  @IsDuration('0', '10m') AUTH_REFRESH_GRACE = '10s';
  @IsDuration('0', '10m') AUTH_CLIENT_CACHE_TTL = '5s';
  @IsDuration('1s', '3650d') AUTH_CLIENT_RETENTION = '30d';
  @IsDuration('1s', '24d') AUTH_PRUNE_INTERVAL = '1h';
  @IsIntegerString(1, 10_000) AUTH_MAX_CLIENTS_PER_USER = '100';
  @IsIntegerString(1, 100) AUTH_EVENT_STREAMS_PER_CLIENT = '2';
  @IsIntegerString(1, 1_000) AUTH_EVENT_STREAMS_PER_USER = '10';
  /** Every stream holds a socket: each instance bounds its own, whoever opens them. */
  @IsIntegerString(1, 1_000_000) AUTH_EVENT_STREAMS_PER_INSTANCE = '10000';
  @IsDuration('1s', '10m') AUTH_EVENT_STREAM_KEEPALIVE = '25s';
  @IsIn(BOOLEAN, expected('true or false')) AUTH_SIGNUP = 'true';
  @IsDuration('1s', '1d') AUTH_LOGIN_WINDOW = '15m';
  @IsIntegerString(1, 1_000_000) AUTH_LOGIN_MAX_FAILURES_PER_USER_ADDRESS = '10';
  @IsIntegerString(1, 1_000_000) AUTH_LOGIN_MAX_FAILURES_PER_USER = '100';
  @IsIntegerString(1, 1_000_000) AUTH_LOGIN_MAX_FAILURES_PER_DEVICE = '10';
  @IsIntegerString(1, 1_000_000) AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS = '100';
  @IsIntegerString(1, 10_000_000) AUTH_LOGIN_MAX_SUCCESSES_PER_ADDRESS = '300';
  @IsIntegerString(1, 1_000_000) AUTH_SIGNUP_MAX_PER_ADDRESS = '10';
  @IsDuration('1s', '1d') AUTH_SIGNUP_WINDOW = '1h';
  @IsIntegerString(0, 10_000_000) AUTH_REFRESH_MAX_PER_MINUTE = '1200';
  /** How recently the user must have proved who they are for a @RecentAuth() route (RFC 9470 max_age). */
  @IsDuration('10s', '1d') AUTH_REAUTH_MAX_AGE = '10m';
  @ValidateIf(setOnly) @MinLength(16, expected('at least 16 characters')) AUTH_INTROSPECTION_SECRET = '';
  /** RFC 9700 §2.4: the resource-owner password grant must not be used; first-party logins use POST /auth. */
  @IsIn(BOOLEAN, expected('true or false')) AUTH_OAUTH_PASSWORD_GRANT = 'false';
  /** Scopes any user may be granted (comma-separated scope tokens); other scopes need a role of the same name. */
  @ValidateIf(setOnly)
  @Matches(
    /^[\x21\x23-\x2B\x2D-\x5B\x5D-\x7E]+(\s*,\s*[\x21\x23-\x2B\x2D-\x5B\x5D-\x7E]+)*$/,
    expected('comma-separated scope tokens (RFC 6749 §3.3) like read,profile'),
  )
  AUTH_OPEN_SCOPES = '';

  /* Second factors (API.md §11). */
  /** The WebAuthn relying party id (a registrable domain); default: the host of AUTH_PUBLIC_URL, else of AUTH_ISSUER. */
  @ValidateIf(setOnly)
  @Matches(
    /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    expected('a lower-case domain like example.com'),
  )
  AUTH_WEBAUTHN_RP_ID = '';
  /** Routes guarded by one of these roles (comma-separated) also need a login with two kinds of factor (amr mfa). */
  @ValidateIf(setOnly)
  @Matches(/^[a-z0-9:_-]{1,64}(\s*,\s*[a-z0-9:_-]{1,64})*$/, expected('comma-separated role names like admin'))
  AUTH_MFA_REQUIRED_ROLES = '';

  @IsIn(SIGNING_ALGORITHMS, expected(`one of ${SIGNING_ALGORITHMS.join(', ')}`)) AUTH_SIGNING_ALGORITHM = 'ES256';
  @IsDuration('0', '3650d') AUTH_KEY_ROTATION_INTERVAL = '90d';
  @IsDuration('0', '7d') AUTH_KEY_ACTIVATION_DELAY = '10m';
  @ValidateIf(setOnly) @MinLength(32, expected('at least 32 characters')) AUTH_KEY_ENCRYPTION_SECRET = '';
  /** PostgreSQL only: start without AUTH_KEY_ENCRYPTION_SECRET, private keys in the clear (throwaway setups). */
  @IsIn(BOOLEAN, expected('true or false')) AUTH_ALLOW_PLAINTEXT_KEYS = 'false';

  /** Recovery mail goes here; unset: written as .eml files under the data folder (development). */
  @ValidateIf(setOnly) @Matches(/^smtps?:\/\/\S+$/, expected('smtp://[user:pass@]host:port or smtps://...')) SMTP_URL = '';
  @Matches(/^.{3,200}$/, expected('a From address like refresh-auth <no-reply@example.com>')) SMTP_FROM = 'refresh-auth <no-reply@localhost>';
  /** Where mailed links point (`<url>/account#reset=...`); default: AUTH_ISSUER's default. */
  @ValidateIf(setOnly) @Matches(/^https?:\/\/[^\s#?]+$/, expected('an http(s) URL without query or fragment')) AUTH_PUBLIC_URL = '';
  @IsDuration('1m', '1d') AUTH_RESET_TTL = '30m';
  @IsDuration('1m', '30d') AUTH_EMAIL_VERIFY_TTL = '24h';
  @IsDuration('1m', '1d') AUTH_RECOVERY_WINDOW = '1h';
  @IsIntegerString(1, 1_000_000) AUTH_RECOVERY_MAX_PER_ADDRESS = '30';
  @IsIntegerString(1, 1_000_000) AUTH_RECOVERY_MAX_PER_ACCOUNT = '5';

  /** Receivers of the session events (docs/events.md, Webhooks); unset: no webhook, no outbox row. */
  @ValidateIf(setOnly) @IsWebhookUrls() AUTH_WEBHOOK_URLS = '';
  /** Standard Webhooks secret, `whsec_` and 24 to 64 bytes in base64; required with AUTH_WEBHOOK_URLS. */
  @ValidateIf((object: EnvironmentVariables, value) => value !== '' || object.AUTH_WEBHOOK_URLS !== '')
  @Matches(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, expected('whsec_ and 24 to 64 random bytes in base64 (required with AUTH_WEBHOOK_URLS)'))
  AUTH_WEBHOOK_SECRET = '';
  /** Only these types are sent (comma-separated); unset: all. Checked here, so a typo stops the start before anything connects. */
  @ValidateIf(setOnly) @IsEventTypes() AUTH_WEBHOOK_EVENTS = '';
  /** An event not delivered within this is marked failed and retried no more. */
  @IsDuration('1m', '30d') AUTH_WEBHOOK_MAX_AGE = '3d';
  /** Delivered and failed rows are deleted this long after. */
  @IsDuration('0', '365d') AUTH_WEBHOOK_RETENTION = '1d';
  @IsDuration('1s', '1m') AUTH_WEBHOOK_POLL_INTERVAL = '1s';
  @IsDuration('1s', '1m') AUTH_WEBHOOK_TIMEOUT = '5s';
}

/** Never printed, even when malformed. */
const SECRETS = new Set([
  'AUTH_INTROSPECTION_SECRET',
  'AUTH_KEY_ENCRYPTION_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
  'SMTP_URL',
  'AUTH_WEBHOOK_SECRET',
  'AUTH_WEBHOOK_URLS',
]);

export interface Env {
  http: {
    port: number;
    host: string;
    trustProxy: TrustProxy;
    logLevel: LogLevel;
    corsOrigins: string[];
    requestTimeout: number;
    maxConnections: number;
    maxConnectionsPerAddress: number;
  };
  database: { url: string; queryTimeout: number; connectTimeout: number };
  sessionCookies: { secure: boolean; sameSite: CookieSameSite };
  redis: { url: string | null; keyPrefix: string };
  auth: {
    issuer: string;
    audience: string;
    accessTtl: number;
    refreshIdleTtl: number;
    refreshAbsoluteTtl: number;
    refreshGrace: number;
    clientCacheTtl: number;
    clientRetention: number;
    pruneInterval: number;
    maxClientsPerUser: number;
    eventStreamsPerClient: number;
    eventStreamsPerUser: number;
    eventStreamsPerInstance: number;
    eventStreamKeepAlive: number;
    signup: boolean;
    loginWindow: number;
    loginMaxFailuresPerUserAddress: number;
    loginMaxFailuresPerUser: number;
    loginMaxFailuresPerDevice: number;
    loginMaxFailuresPerAddress: number;
    loginMaxSuccessesPerAddress: number;
    signupMaxPerAddress: number;
    signupWindow: number;
    cookieSecure: boolean;
    introspectionSecret: string | null;
    refreshMaxPerMinute: number;
    oauthPasswordGrant: boolean;
    reauthMaxAge: number;
    /** Scopes open to every user (AUTH_OPEN_SCOPES); any other scope is earned by a role of its name. */
    openScopes: string[];
    /** AUTH_MFA_REQUIRED_ROLES. */
    mfaRequiredRoles: string[];
  };
  factors: {
    /** The WebAuthn relying party id. */
    rpId: string;
    /** The origins WebAuthn responses may come from: the public URL's, and CORS_ORIGINS. */
    origins: string[];
  };
  keys: {
    algorithm: SigningAlgorithm;
    encryptionSecret: string | null;
    allowPlaintextKeys: boolean;
    rotationInterval: number;
    activationDelay: number;
  };
  recovery: {
    smtpUrl: string | null;
    smtpFrom: string;
    publicUrl: string;
    resetTtl: number;
    emailVerifyTtl: number;
    window: number;
    maxPerAddress: number;
    maxPerAccount: number;
    /** Where mail goes without SMTP_URL. */
    mailFolder: string;
  };
  webhooks: {
    urls: string[];
    /** The `whsec_...` secret; null without URLs. */
    secret: string | null;
    /** null: every type. */
    events: SessionEventType[] | null;
    maxAge: number;
    retention: number;
    pollInterval: number;
    timeout: number;
  };
}

export class EnvError extends Error {}

/** Validates the environment and returns it typed; a malformed value throws an EnvError naming it. */
export function loadEnv(source: Record<string, string | undefined> = readEnvironment()): Env {
  const v = new EnvironmentVariables();
  for (const name of Object.keys(v) as Array<keyof EnvironmentVariables>) {
    const value = source[name];
    if (value !== undefined && value !== '') v[name] = value;
  }
  const [error] = validateSync(v);
  if (error) {
    const value = SECRETS.has(error.property) ? '<redacted>' : JSON.stringify(error.value);
    throw new EnvError(`Invalid environment variable ${error.property}=${value}: ${Object.values(error.constraints ?? {})[0]}`);
  }
  const seconds = (text: string) => parseDurationSeconds(text) as number;
  return {
    http: {
      port: Number(v.PORT),
      host: v.HOST,
      trustProxy: parseTrustProxy(v.TRUST_PROXY) as TrustProxy,
      logLevel: v.LOG_LEVEL as LogLevel,
      corsOrigins: v.CORS_ORIGINS ? v.CORS_ORIGINS.split(',').map((origin) => origin.trim()) : [],
      requestTimeout: seconds(v.HTTP_REQUEST_TIMEOUT),
      maxConnections: Number(v.HTTP_MAX_CONNECTIONS),
      maxConnectionsPerAddress: Number(v.HTTP_MAX_CONNECTIONS_PER_ADDRESS),
    },
    database: { url: v.DATABASE_URL, queryTimeout: seconds(v.DATABASE_QUERY_TIMEOUT), connectTimeout: seconds(v.DATABASE_CONNECT_TIMEOUT) },
    sessionCookies: { secure: v.AUTH_COOKIE_SECURE === 'true', sameSite: v.AUTH_COOKIE_SAMESITE as CookieSameSite },
    redis: { url: v.REDIS_URL || null, keyPrefix: v.REDIS_KEY_PREFIX },
    auth: {
      issuer: v.AUTH_ISSUER || `http://localhost:${v.PORT}`,
      audience: v.AUTH_AUDIENCE,
      accessTtl: seconds(v.AUTH_ACCESS_TTL),
      refreshIdleTtl: seconds(v.AUTH_REFRESH_IDLE_TTL),
      refreshAbsoluteTtl: seconds(v.AUTH_REFRESH_ABSOLUTE_TTL),
      refreshGrace: seconds(v.AUTH_REFRESH_GRACE),
      clientCacheTtl: seconds(v.AUTH_CLIENT_CACHE_TTL),
      clientRetention: seconds(v.AUTH_CLIENT_RETENTION),
      pruneInterval: seconds(v.AUTH_PRUNE_INTERVAL),
      maxClientsPerUser: Number(v.AUTH_MAX_CLIENTS_PER_USER),
      eventStreamsPerClient: Number(v.AUTH_EVENT_STREAMS_PER_CLIENT),
      eventStreamsPerUser: Number(v.AUTH_EVENT_STREAMS_PER_USER),
      eventStreamsPerInstance: Number(v.AUTH_EVENT_STREAMS_PER_INSTANCE),
      eventStreamKeepAlive: seconds(v.AUTH_EVENT_STREAM_KEEPALIVE),
      signup: v.AUTH_SIGNUP === 'true',
      loginWindow: seconds(v.AUTH_LOGIN_WINDOW),
      loginMaxFailuresPerUserAddress: Number(v.AUTH_LOGIN_MAX_FAILURES_PER_USER_ADDRESS),
      loginMaxFailuresPerUser: Number(v.AUTH_LOGIN_MAX_FAILURES_PER_USER),
      loginMaxFailuresPerDevice: Number(v.AUTH_LOGIN_MAX_FAILURES_PER_DEVICE),
      loginMaxFailuresPerAddress: Number(v.AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS),
      loginMaxSuccessesPerAddress: Number(v.AUTH_LOGIN_MAX_SUCCESSES_PER_ADDRESS),
      signupMaxPerAddress: Number(v.AUTH_SIGNUP_MAX_PER_ADDRESS),
      signupWindow: seconds(v.AUTH_SIGNUP_WINDOW),
      cookieSecure: v.AUTH_COOKIE_SECURE === 'true',
      introspectionSecret: v.AUTH_INTROSPECTION_SECRET || null,
      refreshMaxPerMinute: Number(v.AUTH_REFRESH_MAX_PER_MINUTE),
      oauthPasswordGrant: v.AUTH_OAUTH_PASSWORD_GRANT === 'true',
      reauthMaxAge: seconds(v.AUTH_REAUTH_MAX_AGE),
      openScopes: v.AUTH_OPEN_SCOPES ? v.AUTH_OPEN_SCOPES.split(',').map((scope) => scope.trim()) : [],
      mfaRequiredRoles: v.AUTH_MFA_REQUIRED_ROLES ? v.AUTH_MFA_REQUIRED_ROLES.split(',').map((role) => role.trim()) : [],
    },
    factors: webauthnRelyingParty(v),
    keys: {
      algorithm: v.AUTH_SIGNING_ALGORITHM as SigningAlgorithm,
      encryptionSecret: v.AUTH_KEY_ENCRYPTION_SECRET || null,
      allowPlaintextKeys: v.AUTH_ALLOW_PLAINTEXT_KEYS === 'true',
      rotationInterval: seconds(v.AUTH_KEY_ROTATION_INTERVAL),
      activationDelay: seconds(v.AUTH_KEY_ACTIVATION_DELAY),
    },
    recovery: {
      smtpUrl: v.SMTP_URL || null,
      smtpFrom: v.SMTP_FROM,
      publicUrl: (v.AUTH_PUBLIC_URL || v.AUTH_ISSUER || `http://localhost:${v.PORT}`).replace(/\/+$/, ''),
      resetTtl: seconds(v.AUTH_RESET_TTL),
      emailVerifyTtl: seconds(v.AUTH_EMAIL_VERIFY_TTL),
      window: seconds(v.AUTH_RECOVERY_WINDOW),
      maxPerAddress: Number(v.AUTH_RECOVERY_MAX_PER_ADDRESS),
      maxPerAccount: Number(v.AUTH_RECOVERY_MAX_PER_ACCOUNT),
      mailFolder: mailFolder(v.DATABASE_URL),
    },
    webhooks: {
      urls: v.AUTH_WEBHOOK_URLS ? v.AUTH_WEBHOOK_URLS.split(',') : [],
      secret: v.AUTH_WEBHOOK_SECRET || null,
      events: v.AUTH_WEBHOOK_EVENTS ? (v.AUTH_WEBHOOK_EVENTS.split(',') as SessionEventType[]) : null,
      maxAge: seconds(v.AUTH_WEBHOOK_MAX_AGE),
      retention: seconds(v.AUTH_WEBHOOK_RETENTION),
      pollInterval: seconds(v.AUTH_WEBHOOK_POLL_INTERVAL),
      timeout: seconds(v.AUTH_WEBHOOK_TIMEOUT),
    },
  };
}

/** Beside the SQLite file (`data/mail`); for `sqlite::memory:` and PostgreSQL, `./data/mail`. */
function mailFolder(databaseUrl: string): string {
  const file = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : ':memory:';
  return join(file === ':memory:' ? 'data' : dirname(file), 'mail');
}

/** AUTH_WEBAUTHN_RP_ID, else the host of the public URL; the origins: the public URL's and CORS_ORIGINS. */
function webauthnRelyingParty(v: EnvironmentVariables): Env['factors'] {
  const publicUrl = new URL(v.AUTH_PUBLIC_URL || v.AUTH_ISSUER || `http://localhost:${v.PORT}`);
  const cors = v.CORS_ORIGINS ? v.CORS_ORIGINS.split(',').map((origin) => origin.trim()) : [];
  return { rpId: v.AUTH_WEBAUTHN_RP_ID || publicUrl.hostname, origins: [...new Set([publicUrl.origin, ...cors])] };
}
