import * as jose from 'jose';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { signJwt } from '../src/keys/jwt';
import { KeysService } from '../src/keys/keys.service';
import { startApp, TestApp } from './support/app';
import { controlAppClock } from './support/clock';
import { bearer, login, signUp, Session } from './support/factories';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** P-256's group order: (r, s) and (r, n - s) are both valid ECDSA signatures of one message. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const sOf = (token: string) => BigInt(`0x${Buffer.from(token.split('.')[2], 'base64url').subarray(32).toString('hex')}`);
/** The same token with its signature's s replaced by n - s: still a valid ECDSA signature. */
function withFlippedS(token: string): string {
  const [header, payload, signature] = token.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  const flipped = Buffer.from((P256_N - sOf(token)).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), flipped]).toString('base64url')}`;
}

/** Every way an access token can be wrong or forged (RFC 8725); each must get 401 with a Bearer challenge. */
describe('the access-token guard', () => {
  let t: TestApp;
  let session: Session;
  let claims: jose.JWTPayload;
  let kid: string;
  beforeAll(async () => {
    t = await startApp();
    session = await login(t.http, await signUp(t.http));
    claims = jose.decodeJwt(session.accessToken);
    kid = jose.decodeProtectedHeader(session.accessToken).kid as string;
  });
  afterAll(() => t.close());

  const ourKey = () => t.app.get(KeysService).signingKey();
  const now = () => Math.floor(Date.now() / 1000);
  /** Signed with our real private key by our own signer (low-S): only the listed claim or header is wrong. */
  const signed = (overrides: jose.JWTPayload, header: Partial<jose.JWTHeaderParameters> = {}) =>
    signJwt({ ...claims, ...overrides }, { ...ourKey(), kid }, { typ: 'at+jwt', ...header } as { typ: string });
  /** Signed with our real private key outside jose, which refuses to sign a header it would refuse to verify. */
  const signedRaw = (header: Record<string, unknown>) => {
    const input = `${b64(header)}.${b64(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key: ourKey().privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const byAttacker = (header: Partial<jose.JWTHeaderParameters>) =>
    new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header }).sign(attacker.privateKey);
  const unsigned = (header: Record<string, unknown>) => `${b64(header)}.${b64(claims)}.`;
  const hs256 = (secret: string | Buffer) => {
    const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64(claims)}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };

  it('accepts the real token, whose header carries kid and typ at+jwt', async () => {
    expect(jose.decodeProtectedHeader(session.accessToken)).toEqual({ alg: 'ES256', kid, typ: 'at+jwt' });
    expect(claims).toEqual({
      iss: 'http://localhost:1337',
      aud: 'refresh-auth',
      sub: expect.any(String),
      sid: session.clientId,
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
      auth_time: expect.any(Number),
      amr: ['pwd'],
      roles: [],
    });
    await t.http.get('/me').set(bearer(session)).expect(200);
  });

  it('answers a missing token with 401 and WWW-Authenticate: Bearer', async () => {
    const response = await t.http.get('/me').expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Missing access token',
      reason: 'invalid',
      action: 'reauthenticate',
    });
  });

  it('answers another scheme as a missing token', async () => {
    const response = await t.http
      .get('/me')
      .set('authorization', `Basic ${b64('a:b')}`)
      .expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  const cases: Array<[string, () => string | Promise<string>]> = [
    ['that is malformed', () => 'not.a.jwt'],
    ['that is garbage', () => 'x'],
    ['with alg none', () => unsigned({ alg: 'none', typ: 'at+jwt', kid })],
    ['with alg None', () => unsigned({ alg: 'None', typ: 'at+jwt', kid })],
    ['with alg NONE', () => unsigned({ alg: 'NONE', typ: 'at+jwt', kid })],
    ['with alg nOnE', () => unsigned({ alg: 'nOnE', typ: 'at+jwt', kid })],
    [
      'with alg none and our real signature',
      () => {
        const [, , signature] = session.accessToken.split('.');
        return `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims)}.${signature}`;
      },
    ],
    [
      'HS256-signed with our public key as PEM (algorithm confusion)',
      () => hs256(ourKey().publicKey.export({ type: 'spki', format: 'pem' }) as string),
    ],
    ['HS256-signed with our public key as DER', () => hs256(ourKey().publicKey.export({ type: 'spki', format: 'der' }))],
    ['signed by a foreign key under our kid', () => byAttacker({ kid })],
    ['carrying the attacker’s key in a jwk header', async () => byAttacker({ kid, jwk: (await jose.exportJWK(attacker.publicKey)) as jose.JWK })],
    ['pointing at the attacker’s keys with jku', () => byAttacker({ kid, jku: 'https://attacker.example/jwks.json' })],
    ['pointing at the attacker’s certificate with x5u', () => byAttacker({ kid, x5u: 'https://attacker.example/cert.pem' })],
    ['with an injected kid (path)', () => byAttacker({ kid: '../../../../dev/null' })],
    ['with an injected kid (SQL)', () => byAttacker({ kid: "x' UNION SELECT 'k', 'ES256', 'pem' --" })],
    ['with a numeric kid', () => unsigned({ alg: 'ES256', typ: 'at+jwt', kid: 1 })],
    ['without a kid', () => byAttacker({})],
    [
      'with a tampered sub',
      () => {
        const [header, , signature] = session.accessToken.split('.');
        return `${header}.${b64({ ...claims, sub: 'someone-else' })}.${signature}`;
      },
    ],
    [
      'with a tampered exp',
      () => {
        const [header, , signature] = session.accessToken.split('.');
        return `${header}.${b64({ ...claims, exp: (claims.exp as number) + 86400 })}.${signature}`;
      },
    ],
    ['with a crit header we do not understand', () => signedRaw({ alg: 'ES256', kid, typ: 'at+jwt', crit: ['x-policy'], 'x-policy': 1 })],
    ['typed JWT instead of at+jwt', () => signed({}, { typ: 'JWT' })],
    ['without typ', () => signed({}, { typ: undefined })],
    ['that is not yet valid (nbf in an hour)', () => signed({ nbf: now() + 3600 })],
    ['of another issuer', () => signed({ iss: 'https://evil.example' })],
    ['for another audience', () => signed({ aud: 'someone-else' })],
    ['without exp', () => signed({ exp: undefined })],
    ['living longer than AUTH_ACCESS_TTL (exp − iat of a day)', () => signed({ iat: now(), exp: now() + 86400 })],
    ['living just longer than AUTH_ACCESS_TTL plus the tolerance', () => signed({ iat: now() - 10, exp: now() - 10 + 900 + 6 })],
    ['issued in the future (iat in an hour)', () => signed({ iat: now() + 3600, exp: now() + 3600 + 60 })],
    ['whose ECDSA signature is the high-S twin of a valid one', () => withFlippedS(session.accessToken)],
    [
      'whose signature is spelled in another base64url (spare bits set)',
      () => {
        const last = session.accessToken.at(-1)!;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        // 64 bytes take 86 characters: the last one carries 2 bits and 4 spare ones.
        return session.accessToken.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
      },
    ],
    ['whose sub is not the client’s user', () => signed({ sub: '00000000-0000-4000-8000-000000000000' })],
    ['for an unknown client', () => signed({ sid: '00000000-0000-4000-8000-000000000000' })],
    ['that is a refresh token', () => session.refreshToken ?? ''],
  ];

  it.each(cases)('refuses a token %s: 401, error="invalid_token", reason invalid', async (_case, token) => {
    const response = await t.http
      .get('/me')
      .set('authorization', `Bearer ${await token()}`)
      .expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(response.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid or expired access token',
      reason: 'invalid',
      action: 'reauthenticate',
    });
  });

  it('accepts a token of exactly AUTH_ACCESS_TTL, and the low-S original of a refused high-S twin', async () => {
    await t.http
      .get('/me')
      .set('authorization', `Bearer ${await signed({ iat: now(), exp: now() + 900 })}`)
      .expect(200);
    await t.http
      .get('/me')
      .set('authorization', `Bearer ${withFlippedS(session.accessToken)}`)
      .expect(401);
    await t.http.get('/me').set(bearer(session)).expect(200);
  });

  it('signs only low-S ECDSA signatures (about half would be high-S otherwise)', async () => {
    for (let i = 0; i < 64; i++) {
      const token = await signJwt({ ...claims, jti: String(i) }, ourKey(), { typ: 'at+jwt' });
      expect(sOf(token) <= P256_N >> 1n).toBe(true);
    }
  });

  it('issues tokens signed on the thread pool that verify like any other, low-S', async () => {
    let refreshToken = (await login(t.http, await signUp(t.http))).refreshToken!;
    for (let i = 0; i < 24; i++) {
      const { token } = (await t.http.post('/token').send({ refreshToken }).expect(201)).body;
      expect(sOf(token.accessToken) <= P256_N >> 1n).toBe(true);
      await t.http.get('/me').set('authorization', `Bearer ${token.accessToken}`).expect(200);
      refreshToken = token.refreshToken;
    }
  });

  it('refuses an expired token with reason expired and action refresh', async () => {
    const token = await signed({ iat: now() - 960, exp: now() - 60 });
    const response = await t.http.get('/me').set('authorization', `Bearer ${token}`).expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(response.body).toMatchObject({ reason: 'expired', action: 'refresh' });
  });

  it('accepts a token within the 5-second clock tolerance of its exp', async () => {
    const token = await signed({ exp: now() - 2 });
    await t.http.get('/me').set('authorization', `Bearer ${token}`).expect(200);
  });

  it('refuses a token whose client has ended, at once and before its exp', async () => {
    const other = await login(t.http, await signUp(t.http));
    await t.http.get('/clients').set(bearer(other)).expect(200);
    await t.http.post('/auth/logout').set(bearer(other)).expect(204);
    const response = await t.http.get('/clients').set(bearer(other)).expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(response.body).toMatchObject({ reason: 'revoked', action: 'reauthenticate' });
  });
});

describe('an access token of a non-permanent client', () => {
  it('stops working when it expires, with its client', async () => {
    const t = await startApp({ AUTH_ACCESS_TTL: '1s' });
    try {
      const session = await login(t.http, await signUp(t.http), false);
      await t.http.get('/me').set(bearer(session)).expect(200);
      // Refused once the client's deadline passes, even inside the 5 s clock tolerance for exp.
      controlAppClock(t.app).advance(1500);
      const response = await t.http.get('/me').set(bearer(session)).expect(401);
      expect(response.body).toMatchObject({ reason: 'expired', action: 'refresh' });
    } finally {
      await t.close();
    }
  });
});
