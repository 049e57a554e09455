import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvError, EnvironmentVariables, loadEnv } from './env';

describe('loadEnv', () => {
  it('needs no environment at all', () => {
    const env = loadEnv({});
    expect(env.http).toEqual({
      port: 1337,
      host: '0.0.0.0',
      trustProxy: false,
      logLevel: 'info',
      corsOrigins: [],
      requestTimeout: 10,
      maxConnections: 10000,
      maxConnectionsPerAddress: 256,
    });
    expect(env.database.url).toBe('sqlite:data/refresh-auth.sqlite');
    expect(env.auth).toMatchObject({
      issuer: 'http://localhost:1337',
      audience: 'refresh-auth',
      accessTtl: 900,
      refreshIdleTtl: 30 * 86400,
      refreshAbsoluteTtl: 90 * 86400,
      refreshGrace: 10,
      signup: true,
      oauthPasswordGrant: false,
    });
  });

  it('derives the default issuer from PORT and reads durations with units', () => {
    const env = loadEnv({ PORT: '8080', AUTH_ACCESS_TTL: '5m', AUTH_REFRESH_GRACE: '0' });
    expect(env.auth.issuer).toBe('http://localhost:8080');
    expect(env.auth.accessTtl).toBe(300);
    expect(env.auth.refreshGrace).toBe(0);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['AUTH_KEY_ENCRYPTION_SECRET', 'too short'],
    ['AUTH_ALLOW_PLAINTEXT_KEYS', 'yes'],
    ['DATABASE_URL', 'mysql://x'],
    ['AUTH_ISSUER', 'not a url'],
    ['AUTH_ACCESS_TTL', '0'],
    ['AUTH_ACCESS_TTL', '15 minutes'],
    ['AUTH_REFRESH_GRACE', '-1'],
    ['AUTH_SIGNUP', 'yes'],
    ['AUTH_OAUTH_PASSWORD_GRANT', '1'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '0'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0.1, proxy.example'],
    ['AUTH_LOGIN_MAX_FAILURES_PER_USER', '0'],
    ['AUTH_LOGIN_MAX_FAILURES_PER_USER_ADDRESS', '0'],
    ['AUTH_LOGIN_MAX_FAILURES_PER_DEVICE', 'ten'],
    ['AUTH_LOGIN_MAX_SUCCESSES_PER_ADDRESS', '-1'],
    ['AUTH_SIGNUP_MAX_PER_ADDRESS', '0'],
    ['AUTH_SIGNUP_WINDOW', '0'],
    ['AUTH_COOKIE_SECURE', 'yes'],
    ['LOG_LEVEL', 'loud'],
    ['HTTP_MAX_CONNECTIONS', '0'],
    ['HTTP_MAX_CONNECTIONS_PER_ADDRESS', 'many'],
    ['HTTP_REQUEST_TIMEOUT', '0'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'https://a.example, *'],
    ['AUTH_COOKIE_SECURE', 'yes'],
    ['AUTH_COOKIE_SAMESITE', 'None'],
  ])('stops at a malformed %s=%p, naming the variable', (name, value) => {
    expect(() => loadEnv({ [name]: value })).toThrow(EnvError);
    expect(() => loadEnv({ [name]: value })).toThrow(new RegExp(`^Invalid environment variable ${name}=.+: expected `));
  });

  it('takes TRUST_PROXY as false, a hop count or proxy addresses, and says why true is refused', () => {
    expect(loadEnv({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadEnv({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).http.trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
    expect(() => loadEnv({ TRUST_PROXY: 'true' })).toThrow(/client writes/);
  });

  it('refuses SameSite=None cookies that would not be Secure', () => {
    expect(loadEnv({ AUTH_COOKIE_SAMESITE: 'none' }).sessionCookies).toEqual({ secure: true, sameSite: 'none' });
    expect(() => loadEnv({ AUTH_COOKIE_SAMESITE: 'none', AUTH_COOKIE_SECURE: 'false' })).toThrow(
      /^Invalid environment variable AUTH_COOKIE_SAMESITE="none": expected lax or strict while AUTH_COOKIE_SECURE=false/,
    );
  });

  // Each duration is bounded by what its use can hold: timers below 2^31-1 ms (24.8 days), instants
  // inside what JS Date and the BIGINT columns hold, windows a limiter can keep.
  it.each([
    ['AUTH_ACCESS_TTL', '1d', '25h'],
    ['AUTH_REFRESH_IDLE_TTL', '3650d', '3651d'],
    ['AUTH_REFRESH_ABSOLUTE_TTL', '3650d', '999999999d'],
    ['AUTH_REFRESH_GRACE', '10m', '601'],
    ['AUTH_CLIENT_CACHE_TTL', '10m', '11m'],
    ['AUTH_CLIENT_RETENTION', '3650d', '3651d'],
    ['AUTH_PRUNE_INTERVAL', '24d', '30d'],
    ['AUTH_LOGIN_WINDOW', '1d', '86401'],
    ['AUTH_SIGNUP_WINDOW', '1d', '86401'],
    ['AUTH_EVENT_STREAM_KEEPALIVE', '10m', '601'],
    ['AUTH_KEY_ROTATION_INTERVAL', '3650d', '3651d'],
    ['AUTH_KEY_ACTIVATION_DELAY', '7d', '8d'],
    ['HTTP_REQUEST_TIMEOUT', '5m', '301'],
    ['DATABASE_QUERY_TIMEOUT', '10m', '11m'],
    ['DATABASE_CONNECT_TIMEOUT', '1m', '61'],
    ['AUTH_RESET_TTL', '1d', '25h'],
    ['AUTH_EMAIL_VERIFY_TTL', '30d', '31d'],
    ['AUTH_RECOVERY_WINDOW', '1d', '25h'],
  ])('takes %s up to %s and refuses %s at start, naming it', (name, longest, tooLong) => {
    expect(() => loadEnv({ [name]: longest })).not.toThrow();
    expect(() => loadEnv({ [name]: tooLong })).toThrow(new RegExp(`^Invalid environment variable ${name}="${tooLong}": expected a duration from `));
  });

  it('points mailed links at AUTH_PUBLIC_URL, else the issuer, and keeps mail beside the SQLite file', () => {
    expect(loadEnv({ PORT: '8080' }).recovery).toMatchObject({ publicUrl: 'http://localhost:8080', mailFolder: join('data', 'mail'), smtpUrl: null });
    expect(loadEnv({ AUTH_ISSUER: 'https://id.example.com' }).recovery.publicUrl).toBe('https://id.example.com');
    expect(loadEnv({ AUTH_PUBLIC_URL: 'https://app.example.com/' }).recovery.publicUrl).toBe('https://app.example.com');
    expect(() => loadEnv({ AUTH_PUBLIC_URL: 'https://app.example.com/#x' })).toThrow(/AUTH_PUBLIC_URL/);
    expect(loadEnv({ DATABASE_URL: 'sqlite:/var/lib/auth/db.sqlite' }).recovery.mailFolder).toBe('/var/lib/auth/mail');
    expect(loadEnv({ DATABASE_URL: 'postgres://u@h/db' }).recovery.mailFolder).toBe(join('data', 'mail'));
  });

  it('is listed whole in .env.example, with the real defaults', () => {
    const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    const listed = Object.fromEntries(
      example
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(listed).sort()).toEqual(Object.keys(new EnvironmentVariables()).sort());
    expect(loadEnv(listed)).toEqual(loadEnv({}));
  });

  it('never prints the value of a secret or a connection string', () => {
    for (const [name, value] of [
      ['AUTH_KEY_ENCRYPTION_SECRET', 'too short'],
      ['AUTH_INTROSPECTION_SECRET', 'short'],
      ['DATABASE_URL', 'mysql://root:hunter2@db/app'],
      ['REDIS_URL', 'http://user:hunter2@cache'],
      ['SMTP_URL', 'http://user:hunter2@mail'],
      ['AUTH_WEBHOOK_URLS', 'ftp://hooks.example/in?token=hunter2'],
    ]) {
      expect(() => loadEnv({ [name]: value })).toThrow(`Invalid environment variable ${name}=<redacted>: expected`);
    }
  });
});
