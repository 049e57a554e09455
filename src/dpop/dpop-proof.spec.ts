import { base64url, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { createSecretKey } from 'node:crypto';
import { dpopKey, type DpopKey } from '../../test/support/dpop';
import { accessTokenHash, DpopProofInvalid, verifyDpopProof, type DpopExpectations } from './dpop-proof';

const URL_ = 'https://auth.example.test/token';
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const expected = (overrides: Partial<DpopExpectations> = {}): DpopExpectations => ({ method: 'POST', url: URL_, now: NOW, ...overrides });
const refused = (error: 'invalid_dpop_proof' | 'use_dpop_nonce' = 'invalid_dpop_proof') =>
  expect.objectContaining({ error, constructor: DpopProofInvalid });

describe('verifyDpopProof (RFC 9449 §4.3)', () => {
  let key: DpopKey;
  beforeAll(async () => {
    key = await dpopKey();
  });
  const proof = (claims: Partial<Parameters<DpopKey['proof']>[0]> = {}, header?: Record<string, unknown>) =>
    key.proof({ htm: 'POST', htu: URL_, ...claims }, { header, now: NOW });

  it('accepts a well-formed proof and names its key by thumbprint (ES256 and EdDSA)', async () => {
    await expect(verifyDpopProof(await proof(), expected())).resolves.toEqual(expect.objectContaining({ jkt: key.jkt }));
    const ed = await dpopKey('EdDSA');
    const edProof = await ed.proof({ htm: 'POST', htu: URL_ }, { now: NOW });
    await expect(verifyDpopProof(edProof, expected())).resolves.toEqual(expect.objectContaining({ jkt: ed.jkt }));
  });

  it('refuses a wrong htm', async () => {
    await expect(verifyDpopProof(await proof({ htm: 'GET' }), expected())).rejects.toEqual(refused());
  });

  it('refuses a wrong htu (another path, host or scheme), and ignores only query and fragment', async () => {
    for (const htu of ['https://auth.example.test/token/reject', 'https://evil.example.test/token', 'http://auth.example.test/token']) {
      await expect(verifyDpopProof(await proof({ htu }), expected())).rejects.toEqual(refused());
    }
    await expect(verifyDpopProof(await proof({ htu: `${URL_}?x=1#y` }), expected())).resolves.toBeDefined();
  });

  it('refuses an iat older (or further ahead) than 60 s', async () => {
    await expect(verifyDpopProof(await proof({ iat: NOW / 1000 - 61 }), expected())).rejects.toEqual(refused());
    await expect(verifyDpopProof(await proof({ iat: NOW / 1000 + 61 }), expected())).rejects.toEqual(refused());
    await expect(verifyDpopProof(await proof({ iat: NOW / 1000 - 59 }), expected())).resolves.toBeDefined();
  });

  it('on a resource request: refuses a missing or wrong ath', async () => {
    await expect(verifyDpopProof(await proof({ htm: 'GET' }), expected({ method: 'GET', accessToken: 'the-token' }))).rejects.toEqual(refused());
    await expect(
      verifyDpopProof(await proof({ htm: 'GET', accessToken: 'another-token' }), expected({ method: 'GET', accessToken: 'the-token' })),
    ).rejects.toEqual(refused());
    await expect(
      verifyDpopProof(await proof({ htm: 'GET', accessToken: 'the-token' }), expected({ method: 'GET', accessToken: 'the-token' })),
    ).resolves.toBeDefined();
    expect(accessTokenHash('the-token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a proof by another key than its jwk header names does not verify, also once that key is imported and kept', async () => {
    const other = await dpopKey();
    // Signed by `other`, claiming `key`'s public key: first while `key` is not imported yet, then after a genuine proof imported it.
    const forged = await other.proof({ htm: 'POST', htu: URL_ }, { header: { jwk: { ...key.publicJwk, use: 'sig' } }, now: NOW });
    await expect(verifyDpopProof(forged, expected())).rejects.toEqual(refused());
    await expect(verifyDpopProof(await proof({}, { jwk: { ...key.publicJwk, use: 'sig' } }), expected())).resolves.toBeDefined();
    await expect(verifyDpopProof(forged, expected())).rejects.toEqual(refused());
  });

  it('refuses alg none', async () => {
    const unsecured = new UnsecuredJWT({ htm: 'POST', htu: URL_, jti: 'x', iat: NOW / 1000 }).encode();
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk }));
    const withJwk = `${header}.${unsecured.split('.')[1]}.`;
    await expect(verifyDpopProof(withJwk, expected())).rejects.toEqual(refused());
    await expect(verifyDpopProof(`${withJwk}AAAA`, expected())).rejects.toEqual(refused());
  });

  it('refuses a private key in the jwk header', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const signed = await new SignJWT({ htm: 'POST', htu: URL_ })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: privateJwk } as never)
      .setJti('j')
      .setIssuedAt(NOW / 1000)
      .sign(privateKey);
    await expect(verifyDpopProof(signed, expected())).rejects.toEqual(refused());
  });

  it('refuses a symmetric alg (HS256 with an oct key in the header)', async () => {
    const secret = createSecretKey(Buffer.alloc(32, 7));
    const signed = await new SignJWT({ htm: 'POST', htu: URL_ })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: base64url.encode(Buffer.alloc(32, 7)) } } as never)
      .setJti('j')
      .setIssuedAt(NOW / 1000)
      .sign(secret);
    await expect(verifyDpopProof(signed, expected())).rejects.toEqual(refused());
  });

  it('refuses a wrong typ', async () => {
    await expect(verifyDpopProof(await proof({}, { typ: 'JWT' }), expected())).rejects.toEqual(refused());
    await expect(verifyDpopProof(await proof({}, { typ: 'at+jwt' }), expected())).rejects.toEqual(refused());
  });

  it('asks for the nonce when the server wants one and the proof has none or an old one', async () => {
    const nonceIsValid = (nonce: string) => nonce === 'current';
    await expect(verifyDpopProof(await proof(), expected({ nonceIsValid }))).rejects.toEqual(refused('use_dpop_nonce'));
    await expect(verifyDpopProof(await proof({ nonce: 'stale' }), expected({ nonceIsValid }))).rejects.toEqual(refused('use_dpop_nonce'));
    await expect(verifyDpopProof(await proof({ nonce: 'current' }), expected({ nonceIsValid }))).resolves.toBeDefined();
  });

  it('refuses a jwk header that is not a usable public key of the alg, without a 500', async () => {
    const headers = [
      { jwk: { ...key.publicJwk, crv: 'P-384' } },
      { jwk: { ...key.publicJwk, x: 42 } },
      { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } },
      { jwk: { kty: 'OKP', crv: 'Ed25519', x: key.publicJwk.x } },
      { jwk: 'not an object' },
      { jwk: undefined },
    ];
    for (const header of headers) {
      await expect(verifyDpopProof(await proof({}, header), expected())).rejects.toEqual(refused());
    }
  });

  it('refuses what is not a compact JWS, without a 500', async () => {
    for (const garbage of ['', 'a.b', 'a.b.c', '!!.!!.!!', 'x'.repeat(5000)]) {
      await expect(verifyDpopProof(garbage, expected())).rejects.toEqual(refused());
    }
  });
});
