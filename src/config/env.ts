import { SIGNING_ALGORITHMS, SigningAlgorithm } from '../keys/jws';
import { parseDurationSeconds } from './duration';

/**
 * Every environment variable the service reads, declared once. `loadEnv` is the only reader of
 * `process.env`; a malformed value stops the start with a message that names the variable.
 */
export interface Env {
  http: { port: number; host: string; trustProxy: boolean; logLevel: LogLevel; corsOrigins: string[] };
  database: { url: string };
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

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class EnvError extends Error {}

type Source = Record<string, string | undefined>;

function read(source: Source, name: string, fallback: string): [string, string] {
  const value = source[name];
  return [name, value === undefined || value === '' ? fallback : value];
}

function fail(name: string, value: string, expected: string): never {
  throw new EnvError(`Invalid environment variable ${name}=${JSON.stringify(value)}: expected ${expected}`);
}

function integer([name, value]: [string, string], min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) fail(name, value, `an integer from ${min} to ${max}`);
  return n;
}

function duration([name, value]: [string, string], minSeconds: number): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === null || seconds < minSeconds) {
    fail(name, value, `a duration of at least ${minSeconds}s, as seconds or with a unit (10s, 15m, 12h, 30d)`);
  }
  return seconds;
}

function boolean([name, value]: [string, string]): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return fail(name, value, 'true or false');
}

function text([name, value]: [string, string], pattern: RegExp, expected: string): string {
  if (!pattern.test(value)) fail(name, value, expected);
  return value;
}

function optionalSecret([name, value]: [string, string], minLength: number): string | null {
  if (value === '') return null;
  if (value.length < minLength) fail(name, '<redacted>', `at least ${minLength} characters`);
  return value;
}

function optionalUrl([name, value]: [string, string], pattern: RegExp, expected: string): string | null {
  if (value === '') return null;
  return text([name, value], pattern, expected);
}

/** A comma-separated allow-list of exact origins (scheme://host[:port]); empty: no cross-origin access. */
function origins([name, value]: [string, string]): string[] {
  if (value === '') return [];
  const list = value.split(',').map((origin) => origin.trim());
  for (const origin of list) {
    if (!/^https?:\/\/[^/\s,]+$/.test(origin)) fail(name, value, 'comma-separated origins like https://app.example.com');
  }
  return list;
}

function oneOf<T extends string>([name, value]: [string, string], allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) fail(name, value, `one of ${allowed.join(', ')}`);
  return value as T;
}

function databaseUrl([name, value]: [string, string]): string {
  if (/^sqlite:.+$/.test(value) || /^postgres(ql)?:\/\/.+$/.test(value)) return value;
  return fail(name, value, 'sqlite:<path>, sqlite::memory: or postgres://user:pass@host:port/db');
}

export function loadEnv(source: Source = process.env): Env {
  const port = integer(read(source, 'PORT', '1337'), 0, 65535);
  const auth = {
    issuer: text(read(source, 'AUTH_ISSUER', `http://localhost:${port}`), /^https?:\/\/\S+$/, 'an http(s) URL'),
    audience: text(read(source, 'AUTH_AUDIENCE', 'refresh-auth'), /^\S{1,200}$/, 'a non-empty string without spaces'),
    accessTtl: duration(read(source, 'AUTH_ACCESS_TTL', '15m'), 1),
    refreshIdleTtl: duration(read(source, 'AUTH_REFRESH_IDLE_TTL', '30d'), 1),
    refreshAbsoluteTtl: duration(read(source, 'AUTH_REFRESH_ABSOLUTE_TTL', '90d'), 1),
    refreshGrace: duration(read(source, 'AUTH_REFRESH_GRACE', '10s'), 0),
    clientCacheTtl: duration(read(source, 'AUTH_CLIENT_CACHE_TTL', '5s'), 0),
    clientRetention: duration(read(source, 'AUTH_CLIENT_RETENTION', '30d'), 1),
    pruneInterval: duration(read(source, 'AUTH_PRUNE_INTERVAL', '1h'), 1),
    signup: boolean(read(source, 'AUTH_SIGNUP', 'true')),
    loginWindow: duration(read(source, 'AUTH_LOGIN_WINDOW', '15m'), 1),
    loginMaxFailuresPerUser: integer(read(source, 'AUTH_LOGIN_MAX_FAILURES_PER_USER', '10'), 1, 1_000_000),
    loginMaxFailuresPerAddress: integer(read(source, 'AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS', '100'), 1, 1_000_000),
    introspectionSecret: optionalSecret(read(source, 'AUTH_INTROSPECTION_SECRET', ''), 16),
    refreshMaxPerMinute: integer(read(source, 'AUTH_REFRESH_MAX_PER_MINUTE', '1200'), 0, 10_000_000),
  };
  return {
    http: {
      port,
      host: text(read(source, 'HOST', '0.0.0.0'), /^\S+$/, 'a host name or address'),
      trustProxy: boolean(read(source, 'TRUST_PROXY', 'false')),
      logLevel: oneOf(read(source, 'LOG_LEVEL', 'info'), LOG_LEVELS),
      corsOrigins: origins(read(source, 'CORS_ORIGINS', '')),
    },
    database: { url: databaseUrl(read(source, 'DATABASE_URL', 'sqlite:data/refresh-auth.sqlite')) },
    redis: {
      url: optionalUrl(read(source, 'REDIS_URL', ''), /^rediss?:\/\/\S+$/, 'redis://[user:pass@]host:port[/db]'),
      keyPrefix: text(read(source, 'REDIS_KEY_PREFIX', 'refresh-auth:'), /^[\w:.-]{1,64}$/, 'up to 64 of A-Z a-z 0-9 _ : . -'),
    },
    auth,
    keys: {
      algorithm: oneOf(read(source, 'AUTH_SIGNING_ALGORITHM', 'ES256'), SIGNING_ALGORITHMS),
      encryptionSecret: optionalSecret(read(source, 'AUTH_KEY_ENCRYPTION_SECRET', ''), 32),
      rotationInterval: duration(read(source, 'AUTH_KEY_ROTATION_INTERVAL', '90d'), 0),
      activationDelay: duration(read(source, 'AUTH_KEY_ACTIVATION_DELAY', '10m'), 0),
    },
  };
}
