import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as jose from 'jose';
import { DataSource } from 'typeorm';
import { KeysScheduler } from '../src/keys/keys-scheduler.service';
import { KeysService } from '../src/keys/keys.service';
import { SigningKey } from '../src/keys/signing-key.entity';
import { ListeningApp, startApp, startListeningApp } from './app';
import { createTestDatabase, TestDatabase } from './engines';
import { bearer, login, signUp } from './factories';

const run = promisify(execFile);

/** Verifies exactly as another service would: our JWKS over HTTP, our issuer and audience, at+jwt. */
function remoteVerifier(t: ListeningApp, options: jose.RemoteJWKSetOptions = {}) {
  const jwks = jose.createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`), options);
  return (token: string) => jose.jwtVerify(token, jwks, { issuer: t.url, audience: 'refresh-auth', typ: 'at+jwt' });
}

describe('GET /.well-known/jwks.json and verification by other services', () => {
  let database: TestDatabase;
  let t: ListeningApp;
  beforeAll(async () => {
    database = await createTestDatabase({ shared: true });
    t = await startListeningApp({ DATABASE_URL: database.url, AUTH_KEY_ACTIVATION_DELAY: '2s' });
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
    // jose re-fetches the set for an unknown kid at most every 30 s; scaled down here to 1 s, as the
    // activation delay is scaled down from 10 min to 2 s.
    const verify = remoteVerifier(t, { cooldownDuration: 1000 });
    const user = await signUp(t.http);
    const before = await login(t.http, user);
    await expect(verify(before.accessToken)).resolves.toMatchObject({ payload: { sid: before.clientId } });
    const oldKid = jose.decodeProtectedHeader(before.accessToken).kid;

    // The admin CLI rotates the key in the database; this instance picks it up on its next reload.
    const cli = await run(process.execPath, [join(__dirname, '..', 'dist', 'src', 'cli.js'), 'rotate-keys'], {
      env: { ...process.env, DATABASE_URL: database.url, AUTH_KEY_ACTIVATION_DELAY: '2s' },
    });
    expect(cli.stdout).toMatch(/^new signing key \S+ \(ES256\) signs from /);
    await t.app.get(KeysScheduler).run();
    // Published before it signs: the set already holds it, tokens still come from the old key.
    const published = (await t.http.get('/.well-known/jwks.json').expect(200)).body.keys;
    expect(published).toHaveLength(2);
    const stillOld = (await t.http.post('/token').send({ refreshToken: before.refreshToken }).expect(201)).body.token;
    expect(jose.decodeProtectedHeader(stillOld.accessToken).kid).toBe(oldKid);
    await new Promise((resolve) => setTimeout(resolve, 2100));

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
    const kid = jose.decodeProtectedHeader(session.accessToken).kid as string;
    await t.app.get(KeysService).rotate({ immediately: true });
    const keys = t.app.get(DataSource).getRepository(SigningKey);
    expect((await keys.findOneByOrFail({ kid })).retiredAt).not.toBeNull();
    await keys.update({ kid }, { retiredAt: new Date(Date.now() - 1000) }); // as if its grace period had passed
    await t.app.get(KeysService).reload();
    const { body } = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(body.keys.map((k: { kid: string }) => k.kid)).not.toContain(kid);
    await t.http.get('/me').set(bearer(session)).expect(401);
  });
});

describe('scheduled rotation (AUTH_KEY_ROTATION_INTERVAL)', () => {
  it('rotates once the signing key is older than the interval', async () => {
    const t = await startApp({ AUTH_KEY_ROTATION_INTERVAL: '1s', AUTH_KEY_ACTIVATION_DELAY: '0' });
    try {
      const keys = t.app.get(KeysService);
      const first = keys.signingKey().kid;
      await t.app.get(KeysScheduler).run();
      expect(keys.signingKey().kid).toBe(first);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await t.app.get(KeysScheduler).run();
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

describe('private keys at rest (AUTH_KEY_ENCRYPTION_SECRET)', () => {
  const secret = 'a-key-encryption-secret-of-at-least-32-chars';

  it('stores them encrypted, encrypts keys stored in the clear, and refuses to start without the secret', async () => {
    const database = await createTestDatabase({ shared: true });
    try {
      const clear = await startApp({ DATABASE_URL: database.url });
      const user = await signUp(clear.http);
      const session = await login(clear.http, user);
      await clear.close();

      const encrypted = await startApp({ DATABASE_URL: database.url, AUTH_KEY_ENCRYPTION_SECRET: secret });
      try {
        const rows = await encrypted.app.get(DataSource).getRepository(SigningKey).find();
        for (const row of rows) {
          expect(row.privateKey.startsWith('enc:v1:')).toBe(true);
          expect(row.privateKey).not.toContain('PRIVATE KEY');
        }
        await encrypted.http.get('/me').set(bearer(session)).expect(200);
        await login(encrypted.http, user);
      } finally {
        await encrypted.close();
      }

      await expect(startApp({ DATABASE_URL: database.url })).rejects.toThrow(/AUTH_KEY_ENCRYPTION_SECRET/);
      await expect(
        startApp({ DATABASE_URL: database.url, AUTH_KEY_ENCRYPTION_SECRET: 'another-secret-that-is-also-32-chars-long' }),
      ).rejects.toThrow(/cannot be decrypted/);
    } finally {
      await database.drop();
    }
  });
});
