import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import { DataSource } from 'typeorm';
import { signJwt } from '../src/keys/jwt';
import { thumbprint } from '../src/keys/key-material';
import { KeysSchedulerService } from '../src/keys/keys-scheduler.service';
import { KeysService } from '../src/keys/keys.service';
import { Clock } from '../src/common/clock';
import { SigningKey } from '../src/keys/signing-key.entity';
import { ListeningApp, startApp, startListeningApp } from './support/app';
import { controlAppClock, ManualClock } from './support/clock';
import { createTestDatabase, postgresUrl, TestDatabase } from './support/engines';
import { bearer, login, signUp } from './support/factories';
import { runCliInProcess } from './support/cli';
import { startServerProcess } from './support/server-process';

/** Verifies exactly as another service would: our JWKS over HTTP, our issuer and audience, at+jwt. */
function remoteVerifier(t: ListeningApp, options: jose.RemoteJWKSetOptions = {}) {
  const jwks = jose.createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`), options);
  return (token: string) => jose.jwtVerify(token, jwks, { issuer: t.url, audience: 'refresh-auth', typ: 'at+jwt' });
}

describe('GET /.well-known/jwks.json and verification by other services', () => {
  // The CLI sets the new key's start on its own (real) clock: a minute, which no boot of the CLI takes, so the
  // old key still signs until this test moves the app's clock past it (with 2 s, a slow CLI boot let it go early).
  const ACTIVATION_DELAY = '1m';
  let database: TestDatabase;
  let t: ListeningApp;
  let clock: ManualClock;
  beforeAll(async () => {
    database = await createTestDatabase({ shared: true });
    t = await startListeningApp({ DATABASE_URL: database.url, AUTH_KEY_ACTIVATION_DELAY: ACTIVATION_DELAY });
    clock = controlAppClock(t.app);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  it('publishes public parts only, cacheable', async () => {
    const response = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.body.keys).toHaveLength(1);
    const [key] = response.body.keys;
    expect(key).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: expect.any(String), alg: 'ES256', use: 'sig' });
    expect(JSON.stringify(response.body)).not.toMatch(/"d"|PRIVATE/);
    // The kid is the key's RFC 7638 thumbprint.
    await expect(jose.calculateJwkThumbprint(key)).resolves.toBe(key.kid);
  });

  it('lets jose createRemoteJWKSet verify our tokens, across a key rotation, with no logout', async () => {
    // jose re-fetches the set for an unknown kid at most every 30 s, on the real clock, while this
    // test moves only ours past the activation delay: no cooldown, so its refetch does not race the clock.
    const verify = remoteVerifier(t, { cooldownDuration: 0 });
    const user = await signUp(t.http);
    const before = await login(t.http, user);
    await expect(verify(before.accessToken)).resolves.toMatchObject({ payload: { sid: before.clientId } });
    const oldKid = jose.decodeProtectedHeader(before.accessToken).kid;

    // The admin CLI rotates the key in the database; this instance picks it up on its next reload.
    const cli = await runCliInProcess(database.url, ['rotate-keys'], undefined, { AUTH_KEY_ACTIVATION_DELAY: ACTIVATION_DELAY });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^new signing key \S+ \(ES256\) signs from /);
    await t.app.get(KeysSchedulerService).run();
    // Published before it signs: the set already holds it, tokens still come from the old key.
    const published = (await t.http.get('/.well-known/jwks.json').expect(200)).body.keys;
    expect(published).toHaveLength(2);
    const stillOld = (await t.http.post('/token').send({ refreshToken: before.refreshToken }).expect(201)).body.token;
    expect(jose.decodeProtectedHeader(stillOld.accessToken).kid).toBe(oldKid);
    clock.advance(60_000 + 100);

    const after = (await t.http.post('/token').send({ refreshToken: stillOld.refreshToken }).expect(201)).body.token;
    const newKid = jose.decodeProtectedHeader(after.accessToken).kid;
    expect(newKid).not.toBe(oldKid);
    expect(cli.stdout).toContain(newKid);
    // Both keys verify, here and for the remote verifier (which fetches the set again for the new kid).
    await t.http.get('/me').set(bearer(before)).expect(200);
    await t.http.get('/me').set('authorization', `Bearer ${after.accessToken}`).expect(200);
    await expect(verify(after.accessToken)).resolves.toBeDefined();
    await expect(verify(before.accessToken)).resolves.toBeDefined();
    const { body } = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([oldKid, newKid].sort());
  });

  it('retires an old key once its last token has expired: out of the JWKS, its tokens refused', async () => {
    const session = await login(t.http, await signUp(t.http));
    const keys = t.app.get(KeysService);
    const old = keys.signingKey();
    /** A fresh token from the old key, as if it had just signed one. */
    const fromOldKey = async () => {
      const iat = Math.floor(clock.now() / 1000);
      const claims = { ...jose.decodeJwt(session.accessToken), jti: randomUUID(), iat, exp: iat + 60 };
      return `Bearer ${await signJwt(claims, old, { typ: 'at+jwt' })}`;
    };
    await keys.rotate({ immediately: true });
    await t.http
      .get('/me')
      .set('authorization', await fromOldKey())
      .expect(200);
    // Its last token (signed just before the new key took over) expires after one access TTL; other
    // instances take up to a reload interval to switch; plus the clock tolerance.
    clock.advance((900 + 60 + 5) * 1000 - 1000);
    await t.app.get(KeysSchedulerService).run();
    await t.http
      .get('/me')
      .set('authorization', await fromOldKey())
      .expect(200);
    clock.advance(2000);
    await t.app.get(KeysSchedulerService).run();
    const { body } = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(body.keys.map((k: { kid: string }) => k.kid)).not.toContain(old.kid);
    await t.http
      .get('/me')
      .set('authorization', await fromOldKey())
      .expect(401);
  });
});

describe('a key made by another instance', () => {
  it('is read at the first token signed by it, even just after start; then unknown kids re-read at most every 5 s', async () => {
    // Two instances that start together on an empty database each make a first key; each must
    // accept the other's tokens at once (a CI flake: B refused A's token for B's first 5 s).
    const database = await createTestDatabase({ shared: true });
    const a = await startApp({ DATABASE_URL: database.url });
    const b = await startApp({ DATABASE_URL: database.url });
    try {
      let offset = 0;
      const frozen = Date.now();
      jest.spyOn(b.app.get(Clock), 'now').mockImplementation(() => frozen + offset);
      const user = await signUp(a.http);
      const keysOfA = a.app.get(KeysService);

      await keysOfA.rotate({ immediately: true });
      const first = await login(a.http, user);
      await b.http.get('/me').set(bearer(first)).expect(200);

      // The throttle stays: another unknown kid within 5 s of that re-read is refused without a read.
      await keysOfA.rotate({ immediately: true });
      const second = await login(a.http, user);
      await b.http.get('/me').set(bearer(second)).expect(401);
      offset += 5000;
      await b.http.get('/me').set(bearer(second)).expect(200);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await database.drop();
    }
  });
});

describe('scheduled rotation (AUTH_KEY_ROTATION_INTERVAL)', () => {
  it('rotates once the signing key is older than the interval, and signs with the new key after the delay', async () => {
    const t = await startApp({ AUTH_KEY_ROTATION_INTERVAL: '30d', AUTH_KEY_ACTIVATION_DELAY: '10m' });
    try {
      const clock = controlAppClock(t.app);
      const keys = t.app.get(KeysService);
      const first = keys.signingKey().kid;
      clock.advance(30 * 86400_000 - 60_000);
      await t.app.get(KeysSchedulerService).run();
      expect(keys.jwks().keys).toHaveLength(1);
      clock.advance(60_000);
      await t.app.get(KeysSchedulerService).run();
      expect(keys.jwks().keys).toHaveLength(2);
      expect(keys.signingKey().kid).toBe(first);
      clock.advance(10 * 60_000);
      expect(keys.signingKey().kid).not.toBe(first);
    } finally {
      await t.close();
    }
  });
});

describe.each(['EdDSA', 'RS256'] as const)('AUTH_SIGNING_ALGORITHM=%s', (algorithm) => {
  it('signs with that algorithm, and jose verifies through the JWKS', async () => {
    const t = await startListeningApp({ AUTH_SIGNING_ALGORITHM: algorithm });
    try {
      const session = await login(t.http, await signUp(t.http));
      expect(jose.decodeProtectedHeader(session.accessToken).alg).toBe(algorithm);
      await expect(remoteVerifier(t)(session.accessToken)).resolves.toBeDefined();
      await t.http.get('/me').set(bearer(session)).expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('changing the algorithm on restart', () => {
  it('starts signing with the new algorithm while tokens of the old one keep working', async () => {
    const database = await createTestDatabase({ shared: true });
    try {
      const first = await startApp({ DATABASE_URL: database.url });
      const user = await signUp(first.http);
      const session = await login(first.http, user);
      await first.close();
      const second = await startApp({ DATABASE_URL: database.url, AUTH_SIGNING_ALGORITHM: 'EdDSA', AUTH_KEY_ACTIVATION_DELAY: '0' });
      try {
        await second.http.get('/me').set(bearer(session)).expect(200);
        const fresh = await login(second.http, user);
        expect(jose.decodeProtectedHeader(fresh.accessToken).alg).toBe('EdDSA');
      } finally {
        await second.close();
      }
    } finally {
      await database.drop();
    }
  });
});

describe('private keys at rest', () => {
  const secret = 'a-key-encryption-secret-of-at-least-32-chars';

  it('encrypts a key found in the clear, signs with it, and refuses to start with another secret', async () => {
    const database = await createTestDatabase({ shared: true });
    try {
      const first = await startApp({ DATABASE_URL: database.url, AUTH_KEY_ENCRYPTION_SECRET: secret });
      // A key stored in the clear, as an older version (or AUTH_ALLOW_PLAINTEXT_KEYS) left it.
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const kid = await thumbprint(pair.publicKey);
      const now = new Date();
      await first.app
        .get(DataSource)
        .getRepository(SigningKey)
        .insert({
          kid,
          algorithm: 'ES256',
          publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          createdAt: now,
          activatesAt: now,
          retiredAt: null,
        });
      await first.close();

      const second = await startApp({ DATABASE_URL: database.url, AUTH_KEY_ENCRYPTION_SECRET: secret });
      try {
        const rows = await second.app.get(DataSource).getRepository(SigningKey).find();
        expect(rows).toHaveLength(2);
        for (const row of rows) {
          expect(row.privateKey.startsWith('enc:v1:')).toBe(true);
          expect(row.privateKey).not.toContain('PRIVATE KEY');
        }
        const session = await login(second.http, await signUp(second.http));
        expect(jose.decodeProtectedHeader(session.accessToken).kid).toBe(kid);
        await second.http.get('/me').set(bearer(session)).expect(200);
      } finally {
        await second.close();
      }

      await expect(startApp({ DATABASE_URL: database.url, AUTH_KEY_ENCRYPTION_SECRET: 'another-secret-that-is-also-32-chars-long' })).rejects.toThrow(
        /cannot be decrypted: the key-encryption secret \(AUTH_KEY_ENCRYPTION_SECRET\) is not the one/,
      );
    } finally {
      await database.drop();
    }
  });
});

describe('SQLite without AUTH_KEY_ENCRYPTION_SECRET (the zero-config start)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'refresh-auth-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a copy of the database cannot sign: the private keys in it are ciphertext, the secret is not in it', async () => {
    const file = join(dir, 'data', 'refresh-auth.sqlite');
    const t = await startApp({ DATABASE_URL: `sqlite:${file}`, AUTH_KEY_ENCRYPTION_SECRET: '' });
    try {
      const session = await login(t.http, await signUp(t.http));
      await t.http.get('/me').set(bearer(session)).expect(200);
      // The "backup": the database file and its WAL, copied while the server runs.
      const backup = join(dir, 'backup.sqlite');
      copyFileSync(file, backup);
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${backup}-wal`);
      const secret = readFileSync(join(dir, 'data', 'key-encryption.secret'), 'utf8').trim();
      const copy = await new DataSource({ type: 'better-sqlite3', database: backup }).initialize();
      try {
        const rows: Array<{ kid: string; private_key: string }> = await copy.query('SELECT kid, private_key FROM signing_keys');
        expect(rows.map((row) => row.kid)).toContain(jose.decodeProtectedHeader(session.accessToken).kid);
        for (const row of rows) {
          expect(row.private_key).toMatch(/^enc:v1:[\w-]+$/);
          expect(() => createPrivateKey(row.private_key)).toThrow();
        }
      } finally {
        await copy.destroy();
      }
      for (const path of [backup, `${backup}-wal`].filter(existsSync)) {
        const bytes = readFileSync(path);
        expect(bytes.includes('PRIVATE KEY')).toBe(false);
        expect(bytes.includes(secret)).toBe(false);
      }
    } finally {
      await t.close();
    }
    // Without the secret file (a backup restored elsewhere), the keys cannot be used: the start is refused.
    rmSync(join(dir, 'data', 'key-encryption.secret'));
    await expect(startApp({ DATABASE_URL: `sqlite:${file}`, AUTH_KEY_ENCRYPTION_SECRET: '' })).rejects.toThrow(
      /cannot be decrypted: the key-encryption secret \(.*key-encryption\.secret\) is not the one/,
    );
  });

  it('creates the data folder 0700 and the database, its WAL and SHM, and the secret 0600, whatever the umask', async () => {
    const data = join(dir, 'data');
    const file = join(data, 'refresh-auth.sqlite');
    const umask = process.umask(0);
    let server;
    try {
      server = await startServerProcess({ DATABASE_URL: `sqlite:${file}`, AUTH_KEY_ENCRYPTION_SECRET: '' });
    } finally {
      process.umask(umask);
    }
    try {
      const user = { username: `u${randomUUID().slice(0, 8)}`, password: 'correct horse battery' };
      const signUpResponse = await fetch(`${server.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(user),
      });
      expect(signUpResponse.status).toBe(201);
      const mode = (path: string) => statSync(path).mode & 0o777;
      expect(mode(data)).toBe(0o700);
      for (const path of [file, `${file}-wal`, `${file}-shm`, join(data, 'key-encryption.secret')]) {
        expect([path, mode(path)]).toEqual([path, 0o600]);
      }
    } finally {
      await server.stop();
    }
    // A database left readable by an older version is tightened at the next start.
    chmodSync(file, 0o644);
    const t = await startApp({ DATABASE_URL: `sqlite:${file}`, AUTH_KEY_ENCRYPTION_SECRET: '' });
    await t.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

(postgresUrl ? describe : describe.skip)('PostgreSQL without AUTH_KEY_ENCRYPTION_SECRET', () => {
  it('refuses to start, naming the variable; AUTH_ALLOW_PLAINTEXT_KEYS=true starts with keys in the clear', async () => {
    const database = await createTestDatabase();
    try {
      const unset = { DATABASE_URL: database.url, AUTH_KEY_ENCRYPTION_SECRET: '' };
      await expect(startApp(unset)).rejects.toThrow(/AUTH_KEY_ENCRYPTION_SECRET is required on PostgreSQL/);
      const plain = await startApp({ ...unset, AUTH_ALLOW_PLAINTEXT_KEYS: 'true' });
      try {
        const rows = await plain.app.get(DataSource).getRepository(SigningKey).find();
        expect(rows.map((row) => row.privateKey.startsWith('-----BEGIN PRIVATE KEY-----'))).toEqual([true]);
      } finally {
        await plain.close();
      }
      // Setting a secret later encrypts them; from then on, the opt-out alone cannot start.
      await (await startApp({ DATABASE_URL: database.url })).close();
      await expect(startApp({ ...unset, AUTH_ALLOW_PLAINTEXT_KEYS: 'true' })).rejects.toThrow(/is encrypted: set AUTH_KEY_ENCRYPTION_SECRET/);
    } finally {
      await database.drop();
    }
  });
});
