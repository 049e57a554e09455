import { decodeJwt } from 'jose';
import { startApp, TestApp } from './support/app';
import { controlAppClock } from './support/clock';
import { dpopHeaders, dpopKey, type DpopKey } from './support/dpop';
import { engineName } from './support/engines';
import { signUp, TestUser } from './support/factories';

const ISSUER = 'https://auth.example.test';
const url = (path: string) => `${ISSUER}${path.split('?')[0]}`;

interface BoundSession {
  accessToken: string;
  refreshToken: string;
  clientId: string;
}

describe(`DPoP end to end (API.md §14) on ${engineName}`, () => {
  let t: TestApp;
  let key: DpopKey;
  beforeAll(async () => {
    t = await startApp({ AUTH_ISSUER: ISSUER, AUTH_OAUTH_PASSWORD_GRANT: 'true' });
    key = await dpopKey();
  });
  afterAll(() => t.close());

  async function boundLogin(user: TestUser, with_: DpopKey = key): Promise<BoundSession> {
    const { body } = await t.http
      .post('/auth?permanent=true')
      .set(await dpopHeaders(with_, 'POST', url('/auth')))
      .send({ username: user.username, password: user.password })
      .expect(200);
    return { accessToken: body.token.accessToken, refreshToken: body.token.refreshToken, clientId: body.user.clientId };
  }

  const me = async (accessToken: string, with_: DpopKey = key) => t.http.get('/me').set(await dpopHeaders(with_, 'GET', url('/me'), accessToken));
  const refresh = async (refreshToken: string, with_: DpopKey | null = key) =>
    t.http
      .post('/token')
      .set(with_ ? await dpopHeaders(with_, 'POST', url('/token')) : {})
      .send({ refreshToken });

  it('a login with a proof binds the client: token_type DPoP, cnf.jkt, GET /clients says bound', async () => {
    const user = await signUp(t.http);
    const { body } = await t.http
      .post('/auth?permanent=true')
      .set(await dpopHeaders(key, 'POST', url('/auth')))
      .send({ username: user.username, password: user.password })
      .expect(200);
    expect(body.token.tokenType).toBe('DPoP');
    expect(decodeJwt(body.token.accessToken).cnf).toEqual({ jkt: key.jkt });
    const clients = await t.http
      .get('/clients')
      .set(await dpopHeaders(key, 'GET', url('/clients'), body.token.accessToken))
      .expect(200);
    expect(clients.body[0]).toEqual(expect.objectContaining({ bound: true, current: true }));
  });

  it('an unbound login stays Bearer, costs nothing new, and shows bound: false', async () => {
    const user = await signUp(t.http);
    const { body } = await t.http.post('/auth?permanent=true').send({ username: user.username, password: user.password }).expect(200);
    expect(body.token.tokenType).toBe('Bearer');
    expect(decodeJwt(body.token.accessToken).cnf).toBeUndefined();
    const clients = await t.http.get('/clients').set('authorization', `Bearer ${body.token.accessToken}`).expect(200);
    expect(clients.body[0].bound).toBe(false);
    // An unbound token sent as DPoP is not what it claims to be.
    const asDpop = await t.http.get('/me').set(await dpopHeaders(key, 'GET', url('/me'), body.token.accessToken));
    expect(asDpop.status).toBe(401);
    expect(asDpop.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
  });

  it('a bound token: Bearer is refused, DPoP without a proof, without ath, by another key or replayed is refused; with its proof 200', async () => {
    const session = await boundLogin(await signUp(t.http));
    const asBearer = await t.http.get('/me').set('authorization', `Bearer ${session.accessToken}`);
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);

    const noProof = await t.http.get('/me').set('authorization', `DPoP ${session.accessToken}`);
    expect(noProof.status).toBe(401);
    expect(noProof.headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof".*algs="ES256 EdDSA"/);
    expect(noProof.body).toEqual(expect.objectContaining({ statusCode: 401, reason: 'invalid_dpop_proof' }));

    const noAth = await t.http
      .get('/me')
      .set({ authorization: `DPoP ${session.accessToken}`, dpop: await key.proof({ htm: 'GET', htu: url('/me') }) });
    expect(noAth.status).toBe(401);

    const other = await dpopKey();
    const byOther = await me(session.accessToken, other);
    expect(byOther.status).toBe(401);
    expect(byOther.body.reason).toBe('invalid_dpop_proof');

    const headers = await dpopHeaders(key, 'GET', url('/me'), session.accessToken);
    await t.http.get('/me').set(headers).expect(200);
    const replayed = await t.http.get('/me').set(headers);
    expect(replayed.status).toBe(401);
    expect(replayed.body.reason).toBe('invalid_dpop_proof');
  });

  it('a proof for another URL or method is refused on a guarded route', async () => {
    const session = await boundLogin(await signUp(t.http));
    await t.http
      .get('/me')
      .set(await dpopHeaders(key, 'GET', url('/clients'), session.accessToken))
      .expect(401);
    await t.http
      .get('/me')
      .set(await dpopHeaders(key, 'POST', url('/me'), session.accessToken))
      .expect(401);
  });

  it('an old proof (iat beyond 60 s by the server clock) is refused', async () => {
    const session = await boundLogin(await signUp(t.http));
    const clock = controlAppClock(t.app);
    try {
      const headers = await dpopHeaders(key, 'GET', url('/me'), session.accessToken);
      clock.advance(61_000);
      const old = await t.http.get('/me').set(headers);
      expect(old.status).toBe(401);
      expect(old.body.reason).toBe('invalid_dpop_proof');
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('a bound refresh with its key rotates and stays bound', async () => {
    const session = await boundLogin(await signUp(t.http));
    const { body } = await refresh(session.refreshToken);
    expect(body.token).toBeDefined();
    expect(body.token.tokenType).toBe('DPoP');
    expect(decodeJwt(body.token.accessToken).cnf).toEqual({ jkt: key.jkt });
    expect((await me(body.token.accessToken)).status).toBe(200);
  });

  it('a bound refresh token without a proof fails AND ends the client (a suspicious use, like a reuse)', async () => {
    const session = await boundLogin(await signUp(t.http));
    const stolen = await refresh(session.refreshToken, null);
    expect(stolen.status).toBe(401);
    expect(stolen.body.reason).toBe('reused');
    // The device's own refresh, with its key, finds the client ended; so does its access token.
    expect((await refresh(session.refreshToken)).status).toBe(401);
    expect((await me(session.accessToken)).status).toBe(401);
  });

  it('a bound refresh token with a proof by another key fails and ends the client', async () => {
    const session = await boundLogin(await signUp(t.http));
    const thief = await dpopKey();
    const stolen = await refresh(session.refreshToken, thief);
    expect(stolen.status).toBe(401);
    expect((await refresh(session.refreshToken)).status).toBe(401);
  });

  it('a malformed proof on POST /token is 400 invalid_dpop_proof and spends nothing', async () => {
    const session = await boundLogin(await signUp(t.http));
    const bad = await t.http.post('/token').set('dpop', 'not.a.proof').send({ refreshToken: session.refreshToken });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(expect.objectContaining({ statusCode: 400, reason: 'invalid_dpop_proof' }));
    expect((await refresh(session.refreshToken)).status).toBe(201);
  });

  it('an unbound client refreshed with a proof becomes bound to that key', async () => {
    const user = await signUp(t.http);
    const login = await t.http.post('/auth?permanent=true').send({ username: user.username, password: user.password }).expect(200);
    const { body } = await refresh(login.body.token.refreshToken);
    expect(body.token).toBeDefined();
    expect(body.token.tokenType).toBe('DPoP');
    expect((await refresh(body.token.refreshToken, null)).status).toBe(401);
  });

  it('POST /auth/reauthenticate keeps the binding', async () => {
    const user = await signUp(t.http);
    const session = await boundLogin(user);
    const { body } = await t.http
      .post('/auth/reauthenticate')
      .set(await dpopHeaders(key, 'POST', url('/auth/reauthenticate'), session.accessToken))
      .send({ password: user.password })
      .expect(200);
    expect(decodeJwt(body.token.accessToken).cnf).toEqual({ jkt: key.jkt });
  });

  it('OAuth: the password and refresh grants bind; a refresh without the proof is invalid_grant; a bad proof is invalid_dpop_proof', async () => {
    const user = await signUp(t.http);
    const grant = await t.http
      .post('/oauth/token')
      .type('form')
      .set(await dpopHeaders(key, 'POST', url('/oauth/token')))
      .send({ grant_type: 'password', username: user.username, password: user.password })
      .expect(200);
    expect(grant.body.token_type).toBe('DPoP');
    expect(decodeJwt(grant.body.access_token).cnf).toEqual({ jkt: key.jkt });

    const refreshed = await t.http
      .post('/oauth/token')
      .type('form')
      .set(await dpopHeaders(key, 'POST', url('/oauth/token')))
      .send({ grant_type: 'refresh_token', refresh_token: grant.body.refresh_token })
      .expect(200);
    expect(refreshed.body.token_type).toBe('DPoP');

    const badProof = await t.http
      .post('/oauth/token')
      .type('form')
      .set('dpop', 'x.y.z')
      .send({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token });
    expect(badProof.status).toBe(400);
    expect(badProof.body.error).toBe('invalid_dpop_proof');

    const noProof = await t.http.post('/oauth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token });
    expect(noProof.status).toBe(400);
    expect(noProof.body.error).toBe('invalid_grant');
  });

  it('the metadata and the session policy list the proof algorithms', async () => {
    const metadata = await t.http.get('/.well-known/oauth-authorization-server').expect(200);
    expect(metadata.body.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA']);
    const policy = await t.http.get('/.well-known/session-policy').expect(200);
    expect(policy.body.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA']);
  });

  it('cookie mode binds too: the access cookie needs a proof by the key, and so does the refresh cookie', async () => {
    const user = await signUp(t.http);
    const cookieHeaders = { 'x-session-transport': 'cookie' };
    const login = await t.http
      .post('/auth?permanent=true')
      .set({ ...cookieHeaders, ...(await dpopHeaders(key, 'POST', url('/auth'))) })
      .send({ username: user.username, password: user.password })
      .expect(200);
    expect(login.body.token.tokenType).toBe('DPoP');
    const cookies = ([] as string[]).concat(login.headers['set-cookie']).map((cookie) => cookie.split(';')[0]);
    const access = cookies.filter((cookie) => /access/i.test(cookie)).join('; ');
    const refreshCookie = cookies.filter((cookie) => /refresh/i.test(cookie)).join('; ');
    expect((await t.http.get('/me').set('cookie', access)).status).toBe(401);
    await t.http
      .get('/me')
      .set({ cookie: access, ...(await dpopHeaders(key, 'GET', url('/me'))) })
      .expect(200);
    const stolen = await t.http.post('/token').set({ ...cookieHeaders, cookie: refreshCookie });
    expect(stolen.status).toBe(401);
  });
});

describe('DPoP options', () => {
  it('AUTH_DPOP=required: a login without a proof is 400, an unbound token is refused', async () => {
    const t = await startApp({ AUTH_ISSUER: ISSUER, AUTH_DPOP: 'required' });
    try {
      const user = await signUp(t.http);
      const refused = await t.http.post('/auth').send({ username: user.username, password: user.password });
      expect(refused.status).toBe(400);
      expect(refused.body.reason).toBe('invalid_dpop_proof');
      const key = await dpopKey();
      await t.http
        .post('/auth')
        .set(await dpopHeaders(key, 'POST', url('/auth')))
        .send({ username: user.username, password: user.password })
        .expect(200);
    } finally {
      await t.close();
    }
  });

  it('AUTH_DPOP_NONCE=true: a proof without the nonce gets use_dpop_nonce and the nonce; with it, it passes', async () => {
    const t = await startApp({ AUTH_ISSUER: ISSUER, AUTH_DPOP_NONCE: 'true' });
    try {
      const user = await signUp(t.http);
      const key = await dpopKey();
      const first = await t.http
        .post('/auth?permanent=true')
        .set(await dpopHeaders(key, 'POST', url('/auth')))
        .send({ username: user.username, password: user.password });
      expect(first.status).toBe(400);
      expect(first.body.reason).toBe('use_dpop_nonce');
      const nonce = first.headers['dpop-nonce'];
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const login = await t.http
        .post('/auth?permanent=true')
        .set(await dpopHeaders(key, 'POST', url('/auth'), undefined, nonce))
        .send({ username: user.username, password: user.password })
        .expect(200);
      const token = login.body.token.accessToken;
      const resource = await t.http.get('/me').set(await dpopHeaders(key, 'GET', url('/me'), token));
      expect(resource.status).toBe(401);
      expect(resource.headers['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce"/);
      expect(resource.headers['dpop-nonce']).toBe(nonce);
      await t.http
        .get('/me')
        .set(await dpopHeaders(key, 'GET', url('/me'), token, nonce))
        .expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('DPoP and introspection', () => {
  it('a bound token is not a Bearer credential for introspection; introspected, it shows its cnf', async () => {
    const t = await startApp({ AUTH_ISSUER: ISSUER, AUTH_INTROSPECTION_SECRET: 'introspection-secret-0123456789' });
    try {
      const user = await signUp(t.http);
      const key = await dpopKey();
      const { body } = await t.http
        .post('/auth?permanent=true')
        .set(await dpopHeaders(key, 'POST', url('/auth')))
        .send({ username: user.username, password: user.password })
        .expect(200);
      const asCaller = await t.http
        .post('/oauth/introspect')
        .type('form')
        .set('authorization', `Bearer ${body.token.accessToken}`)
        .send({ token: body.token.accessToken });
      expect(asCaller.status).toBe(401);
      const basic = Buffer.from('introspection:introspection-secret-0123456789').toString('base64');
      const introspected = await t.http
        .post('/oauth/introspect')
        .type('form')
        .set('authorization', `Basic ${basic}`)
        .send({ token: body.token.accessToken })
        .expect(200);
      expect(introspected.body).toEqual(expect.objectContaining({ active: true, cnf: { jkt: key.jkt } }));
    } finally {
      await t.close();
    }
  });
});
