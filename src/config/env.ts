import { IsIn, IsPort, Matches, MinLength, ValidateBy, ValidateIf, validateSync, ValidationOptions } from 'class-validator';
import { SIGNING_ALGORITHMS, SigningAlgorithm } from '../keys/jws';
import { parseDurationSeconds } from './duration';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const BOOLEAN = ['true', 'false'];
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

const expected = (what: string): ValidationOptions => ({ message: `expected ${what}` });

/**
 * Every environment variable the service reads, declared once: its name, its default and its rule
 * (class-validator). `loadEnv` is the only reader of `process.env`; `.env.example` lists the same
 * variables (a test keeps them in step). An empty value means the default.
 */
export class EnvironmentVariables {
  @IsPort(expected('a port from 0 to 65535')) PORT = '1337';
  @Matches(/^\S+$/, expected('a host name or address')) HOST = '0.0.0.0';
  @IsIn(BOOLEAN, expected('true or false')) TRUST_PROXY = 'false';
  @IsIn(LOG_LEVELS, expected(`one of ${LOG_LEVELS.join(', ')}`)) LOG_LEVEL = 'info';
  @ValidateIf(setOnly)
  @Matches(/^https?:\/\/[^/\s,]+(\s*,\s*https?:\/\/[^/\s,]+)*$/, expected('comma-separated origins like https://app.example.com'))
  CORS_ORIGINS = '';
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
  @IsIn(BOOLEAN, expected('true or false')) AUTH_SIGNUP = 'true';
  @IsDuration('1s', '1d') AUTH_LOGIN_WINDOW = '15m';
  @IsIntegerString(1, 1_000_000) AUTH_LOGIN_MAX_FAILURES_PER_USER = '10';
  @IsIntegerString(1, 1_000_000) AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS = '100';
  @IsIntegerString(0, 10_000_000) AUTH_REFRESH_MAX_PER_MINUTE = '1200';
  @ValidateIf(setOnly) @MinLength(16, expected('at least 16 characters')) AUTH_INTROSPECTION_SECRET = '';

  @IsIn(SIGNING_ALGORITHMS, expected(`one of ${SIGNING_ALGORITHMS.join(', ')}`)) AUTH_SIGNING_ALGORITHM = 'ES256';
  @IsDuration('0', '3650d') AUTH_KEY_ROTATION_INTERVAL = '90d';
  @IsDuration('0', '7d') AUTH_KEY_ACTIVATION_DELAY = '10m';
  @ValidateIf(setOnly) @MinLength(32, expected('at least 32 characters')) AUTH_KEY_ENCRYPTION_SECRET = '';
}

/** Never printed, even when malformed. */
const SECRETS = new Set(['AUTH_INTROSPECTION_SECRET', 'AUTH_KEY_ENCRYPTION_SECRET', 'DATABASE_URL', 'REDIS_URL']);

export interface Env {
  http: {
    port: number;
    host: string;
    trustProxy: boolean;
    logLevel: LogLevel;
    corsOrigins: string[];
    requestTimeout: number;
    maxConnections: number;
    maxConnectionsPerAddress: number;
  };
  database: { url: string; queryTimeout: number; connectTimeout: number };
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
    signup: boolean;
    loginWindow: number;
    loginMaxFailuresPerUser: number;
    loginMaxFailuresPerAddress: number;
    introspectionSecret: string | null;
    refreshMaxPerMinute: number;
  };
  keys: {
    algorithm: SigningAlgorithm;
    encryptionSecret: string | null;
    rotationInterval: number;
    activationDelay: number;
  };
}

export class EnvError extends Error {}

/** Validates the environment and returns it typed; a malformed value throws an EnvError naming it. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
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
      trustProxy: v.TRUST_PROXY === 'true',
      logLevel: v.LOG_LEVEL as LogLevel,
      corsOrigins: v.CORS_ORIGINS ? v.CORS_ORIGINS.split(',').map((origin) => origin.trim()) : [],
      requestTimeout: seconds(v.HTTP_REQUEST_TIMEOUT),
      maxConnections: Number(v.HTTP_MAX_CONNECTIONS),
      maxConnectionsPerAddress: Number(v.HTTP_MAX_CONNECTIONS_PER_ADDRESS),
    },
    database: { url: v.DATABASE_URL, queryTimeout: seconds(v.DATABASE_QUERY_TIMEOUT), connectTimeout: seconds(v.DATABASE_CONNECT_TIMEOUT) },
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
      signup: v.AUTH_SIGNUP === 'true',
      loginWindow: seconds(v.AUTH_LOGIN_WINDOW),
      loginMaxFailuresPerUser: Number(v.AUTH_LOGIN_MAX_FAILURES_PER_USER),
      loginMaxFailuresPerAddress: Number(v.AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS),
      introspectionSecret: v.AUTH_INTROSPECTION_SECRET || null,
      refreshMaxPerMinute: Number(v.AUTH_REFRESH_MAX_PER_MINUTE),
    },
    keys: {
      algorithm: v.AUTH_SIGNING_ALGORITHM as SigningAlgorithm,
      encryptionSecret: v.AUTH_KEY_ENCRYPTION_SECRET || null,
      rotationInterval: seconds(v.AUTH_KEY_ROTATION_INTERVAL),
      activationDelay: seconds(v.AUTH_KEY_ACTIVATION_DELAY),
    },
  };
}
