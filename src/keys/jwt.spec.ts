import { createHmac, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import type { SigningAlgorithm } from '../config/env';
import { JwtRejected, JwtRules, signJwt, verifyJwt } from './jwt';
import { generateKeyPair } from './key-material';

/** Our strict rules on top of jose: each test fails when its rule is taken out of src/keys/jwt.ts. */
describe('verifyJwt', () => {
  const NOW = 1_800_000_000;
  const TTL = 900;
  const keyOf = (algorithm: SigningAlgorithm, kid: string) => ({ kid, algorithm, ...generateKeyPair(algorithm) });
  const es256 = keyOf('ES256', 'es-kid');
  const rs256 = keyOf('RS256', 'rs-kid');
  const eddsa = keyOf('EdDSA', 'ed-kid');
  const ours = new Map([es256, rs256, eddsa].map((key) => [key.kid, key]));
  const rules: JwtRules = {
    typ: 'at+jwt',
    key: async (kid) => (typeof kid === 'string' ? ours.get(kid) : undefined),
    issuer: 'https://auth.example',
    audience: 'api',
    maxLifetime: TTL,
    now: NOW * 1000,
    clockTolerance: 5,
  };
  const claims = { iss: 'https://auth.example', aud: 'api', sub: 'user', jti: 'j', iat: NOW - 10, exp: NOW - 10 + TTL };

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  /** Signed outside jose, which would refuse to sign most of these headers. */
  function rawSigned(header: object, payload: object, digest: string | null, privateKey: KeyObject, options: object = {}): string {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${sign(digest, Buffer.from(input), { key: privateKey, ...options }).toString('base64url')}`;
  }

  /** P-256's group order: (r, s) and (r, n - s) are both valid ECDSA signatures of one message. */
  const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const sOf = (token: string) => BigInt(`0x${Buffer.from(token.split('.')[2], 'base64url').subarray(32).toString('hex')}`);
  function withFlippedS(token: string): string {
    const [header, payload, signature] = token.split('.');
    const flipped = Buffer.from((P256_N - sOf(token)).toString(16).padStart(64, '0'), 'hex');
    return `${header}.${payload}.${Buffer.concat([Buffer.from(signature, 'base64url').subarray(0, 32), flipped]).toString('base64url')}`;
  }

  /** Signed by our ES256 key outside jose, brought to low-S: only what the test names is wrong. */
  const es256Signed = (header: object, payload: object = claims) => {
    const token = rawSigned({ alg: 'ES256', kid: es256.kid, typ: 'at+jwt', ...header }, payload, 'sha256', es256.privateKey, {
      dsaEncoding: 'ieee-p1363',
    });
    return sOf(token) > P256_N >> 1n ? withFlippedS(token) : token;
  };

  const refused = (token: string | Promise<string>, overrides: Partial<JwtRules> = {}, reason = 'invalid') =>
    expect(Promise.resolve(token).then((t) => verifyJwt(t, { ...rules, ...overrides }))).rejects.toEqual(new JwtRejected(reason as 'invalid'));

  it('accepts what signJwt signs, with each of our algorithms', async () => {
    for (const key of [es256, rs256, eddsa]) {
      const token = await signJwt(claims, key, { typ: 'at+jwt' });
      await expect(verifyJwt(token, rules)).resolves.toEqual(claims);
    }
  });

  it('refuses alg none, whatever its spelling or signature', async () => {
    const real = await signJwt(claims, es256, { typ: 'at+jwt' });
    for (const alg of ['none', 'None', 'NONE']) {
      await refused(`${b64({ alg, kid: es256.kid, typ: 'at+jwt' })}.${b64(claims)}.`);
      await refused(`${b64({ alg, kid: es256.kid, typ: 'at+jwt' })}.${b64(claims)}.${real.split('.')[2]}`);
    }
  });

  it('refuses HS256 keyed with our public key (algorithm confusion)', async () => {
    for (const key of [es256, rs256]) {
      for (const secret of [key.publicKey.export({ type: 'spki', format: 'pem' }), key.publicKey.export({ type: 'spki', format: 'der' })]) {
        const input = `${b64({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })}.${b64(claims)}`;
        await refused(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
      }
    }
  });

  it("accepts only the key's own algorithm, even one our key really signed (PS256 by an RS256 key, Ed25519 by an EdDSA key)", async () => {
    const pss = { padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 };
    await refused(rawSigned({ alg: 'PS256', kid: rs256.kid, typ: 'at+jwt' }, claims, 'sha256', rs256.privateKey, pss));
    await refused(rawSigned({ alg: 'Ed25519', kid: eddsa.kid, typ: 'at+jwt' }, claims, null, eddsa.privateKey));
    // The same tokens under the key's own alg verify: only the alg is wrong above.
    await expect(verifyJwt(rawSigned({ alg: 'EdDSA', kid: eddsa.kid, typ: 'at+jwt' }, claims, null, eddsa.privateKey), rules)).resolves.toEqual(
      claims,
    );
  });

  it('refuses the high-S twin of a valid ES256 signature, and signs only low-S', async () => {
    const tokens = await Promise.all(Array.from({ length: 32 }, (_, i) => signJwt({ ...claims, jti: String(i) }, es256, { typ: 'at+jwt' })));
    // About half of WebCrypto's signatures are high-S: every one we emit has been brought low.
    for (const token of tokens) expect(sOf(token) <= P256_N >> 1n).toBe(true);
    await expect(verifyJwt(tokens[0], rules)).resolves.toBeDefined();
    await refused(withFlippedS(tokens[0]));
  });

  it('refuses a signature spelled in another base64url (spare bits set)', async () => {
    const token = await signJwt(claims, es256, { typ: 'at+jwt' });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    await refused(token.slice(0, -1) + alphabet[alphabet.indexOf(token.at(-1)!) ^ 1]);
  });

  it('refuses a wrong typ, or none; accepts the application/ spelling', async () => {
    await refused(es256Signed({ typ: 'JWT' }));
    await refused(es256Signed({ typ: 'device+jwt' }));
    await refused(es256Signed({ typ: undefined }));
    await refused(await signJwt(claims, es256, { typ: 'at+jwt' }), { typ: 'device+jwt' });
    await expect(verifyJwt(es256Signed({ typ: 'application/at+jwt' }), rules)).resolves.toEqual(claims);
  });

  it('refuses a lifetime (exp − iat) beyond maxLifetime plus the tolerance, also once expired', async () => {
    await expect(verifyJwt(es256Signed({}, { ...claims, iat: NOW, exp: NOW + TTL + 5 }), rules)).resolves.toBeDefined();
    await refused(es256Signed({}, { ...claims, iat: NOW, exp: NOW + TTL + 6 }));
    await refused(es256Signed({}, { ...claims, iat: NOW, exp: NOW + 86400 }));
    // Expired and over-long is invalid, not merely expired (which would tell the client to refresh).
    await refused(es256Signed({}, { ...claims, iat: NOW - 86400, exp: NOW - 60 }));
    await refused(es256Signed({}, { ...claims, iat: NOW - TTL, exp: NOW - 60 }), {}, 'expired');
  });

  it('refuses a token issued in the future, or without iat or exp', async () => {
    await refused(es256Signed({}, { ...claims, iat: NOW + 60, exp: NOW + 120 }));
    await refused(es256Signed({}, { ...claims, iat: undefined }));
    await refused(es256Signed({}, { ...claims, exp: undefined }));
  });

  it('finds the key by kid among ours only: an unknown, missing or foreign-pointing kid is refused', async () => {
    await refused(es256Signed({ kid: 'unknown' }));
    await refused(es256Signed({ kid: undefined }));
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    const byAttacker = (header: object) =>
      rawSigned({ alg: 'ES256', typ: 'at+jwt', ...header }, claims, 'sha256', attacker.privateKey, { dsaEncoding: 'ieee-p1363' });
    await refused(byAttacker({ kid: es256.kid }));
    await refused(byAttacker({ kid: es256.kid, jwk }));
    await refused(byAttacker({ kid: es256.kid, jku: 'https://attacker.example/jwks.json' }));
    // Another of our keys' kid on a token this key signed: the kid decides the key, and it does not verify.
    await refused(es256Signed({ kid: rs256.kid }));
  });

  it('refuses another issuer or audience, and a crit header', async () => {
    await refused(es256Signed({}, { ...claims, iss: 'https://evil.example' }));
    await refused(es256Signed({}, { ...claims, aud: 'other' }));
    await refused(es256Signed({ crit: ['x-policy'], 'x-policy': 1 }));
  });
});
