import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { KeysService } from '../src/keys/keys.service';
import { startApp, TestApp } from './app';
import { bearer, login, signUp, Session } from './factories';

/** Every way an access token can be wrong; each must get 401 with a Bearer challenge. */
describe('the access-token guard', () => {
  let t: TestApp;
  let session: Session;
  let claims: Record<string, unknown>;
  let kid: string;
  beforeAll(async () => {
    t = await startApp();
    session = await login(t.http, await signUp(t.http));
    claims = jwt.decode(session.accessToken) as Record<string, unknown>;
    kid = (jwt.decode(session.accessToken, { complete: true }) as jwt.Jwt).header.kid as string;
  });
  afterAll(() => t.close());

  const ourKey = () => t.app.get(KeysService).signingKey();
  const signed = (overrides: Record<string, unknown>, options: jwt.SignOptions = {}) =>
    jwt.sign({ ...claims, ...overrides }, ourKey().privateKey, { algorithm: 'ES256', keyid: kid, ...options });
  const unsigned = (header: Record<string, unknown>) =>
    `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

  it('accepts the real token', async () => {
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
    const response = await t.http.get('/me').set('authorization', `Basic ${Buffer.from('a:b').toString('base64')}`).expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  const foreignKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const cases: Array<[string, () => string]> = [
    ['malformed', () => 'not.a.jwt'],
    ['garbage', () => 'x'],
    ['expired', () => signed({ iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) - 60 })],
    ['signed by a foreign key under our kid', () => jwt.sign(claims, foreignKey, { algorithm: 'ES256', keyid: kid })],
    ['of another issuer', () => signed({ iss: 'https://evil.example' })],
    ['for another audience', () => signed({ aud: 'someone-else' })],
    ['with alg none', () => unsigned({ alg: 'none', typ: 'JWT', kid })],
    ['with alg NONE', () => unsigned({ alg: 'NONE', kid })],
    ['with an unknown kid', () => signed({}, { keyid: 'unknown' })],
    ['with a tampered sub', () => {
      const [header, , signature] = session.accessToken.split('.');
      const payload = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
      return `${header}.${payload}.${signature}`;
    }],
    ['whose sub is not the client’s user', () => signed({ sub: '00000000-0000-4000-8000-000000000000' })],
    ['for an unknown client', () => signed({ sid: '00000000-0000-4000-8000-000000000000' })],
    ['HS256 signed with our public key', () => {
      const publicPem = ourKey().publicKey.export({ type: 'spki', format: 'pem' });
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid })).toString('base64url');
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      const { createHmac } = require('node:crypto') as typeof import('node:crypto');
      const signature = createHmac('sha256', publicPem).update(`${header}.${payload}`).digest('base64url');
      return `${header}.${payload}.${signature}`;
    }],
  ];

  it.each(cases)('refuses a token %s: 401 with error="invalid_token"', async (name, token) => {
    const response = await t.http.get('/me').set('authorization', `Bearer ${token()}`).expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    const [reason, action] = name === 'expired' ? ['expired', 'refresh'] : ['invalid', 'reauthenticate'];
    expect(response.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Invalid or expired access token', reason, action });
  });

  it('refuses a token whose client has ended, at once and before its exp', async () => {
    const other = await login(t.http, await signUp(t.http));
    await t.http.get('/clients').set(bearer(other)).expect(200);
    await t.http.post('/auth/logout').set(bearer(other)).expect(204);
    const response = await t.http.get('/clients').set(bearer(other)).expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(response.body).toMatchObject({ reason: 'revoked', action: 'reauthenticate' });
  });

  it('refuses a refresh token used as a bearer token', async () => {
    const permanent = await login(t.http, await signUp(t.http));
    await t.http.get('/me').set('authorization', `Bearer ${permanent.refreshToken}`).expect(401);
  });
});

describe('an access token of a non-permanent client', () => {
  it('stops working when it expires, with its client', async () => {
    const t = await startApp({ AUTH_ACCESS_TTL: '1s' });
    try {
      const session = await login(t.http, await signUp(t.http), false);
      await t.http.get('/me').set(bearer(session)).expect(200);
      // Refused once the client's deadline passes, even inside the 5 s clock tolerance for exp.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const response = await t.http.get('/me').set(bearer(session)).expect(401);
      expect(response.body).toMatchObject({ reason: 'expired', action: 'refresh' });
    } finally {
      await t.close();
    }
  });
});
