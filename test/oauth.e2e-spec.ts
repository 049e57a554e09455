import * as client from 'openid-client';
import { ListeningApp, startListeningApp } from './support/app';
import { UsersService } from '../src/users/users.service';
import { bearer, login, signUp, TestUser } from './support/factories';

describe('the OAuth 2.0 surface', () => {
  let t: ListeningApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startListeningApp({ AUTH_INTROSPECTION_SECRET: 'introspection-secret-for-tests', AUTH_OAUTH_PASSWORD_GRANT: 'true' });
    user = await signUp(t.http);
  });
  afterAll(() => t.close());

  const form = (path: string, fields: Record<string, string>) => t.http.post(path).type('form').send(new URLSearchParams(fields).toString());

  describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
    it('names the issuer and every endpoint', async () => {
      const { body } = await t.http.get('/.well-known/oauth-authorization-server').expect(200);
      expect(body).toMatchObject({
        issuer: t.url,
        token_endpoint: `${t.url}/oauth/token`,
        revocation_endpoint: `${t.url}/oauth/revoke`,
        introspection_endpoint: `${t.url}/oauth/introspect`,
        jwks_uri: `${t.url}/.well-known/jwks.json`,
        grant_types_supported: ['password', 'refresh_token', 'authorization_code', 'client_credentials'],
      });
    });
  });

  describe('POST /oauth/token (RFC 6749)', () => {
    it('grants a password login, form-encoded: §5.1 answer with Cache-Control: no-store', async () => {
      const response = await form('/oauth/token', {
        grant_type: 'password',
        username: user.username,
        password: user.password,
        client_id: 'my-app',
      }).expect(200);
      expect(response.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.stringMatching(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/),
      });
      expect(response.headers['cache-control']).toBe('no-store');
      await t.http.get('/me').set('authorization', `Bearer ${response.body.access_token}`).expect(200);
    });

    it('takes JSON bodies too, and rotates refresh tokens shared with POST /token', async () => {
      const session = await login(t.http, user);
      const { body } = await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: session.refreshToken }).expect(200);
      await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201); // grace: same successor
      const next = await t.http.post('/token').send({ refreshToken: body.refresh_token }).expect(201);
      expect(next.body.token.refreshToken).not.toBe(body.refresh_token);
    });

    it.each([
      ['no grant_type', {}, 'invalid_request'],
      ['an unknown grant_type', { grant_type: 'client_credentials' }, 'unsupported_grant_type'],
      ['a password grant without a password', { grant_type: 'password', username: 'x' }, 'invalid_request'],
      ['a refresh grant without a token', { grant_type: 'refresh_token' }, 'invalid_request'],
      ['a wrong password', { grant_type: 'password', username: 'nobody_at_all', password: 'wrong password' }, 'invalid_grant'],
      ['an unknown refresh token', { grant_type: 'refresh_token', refresh_token: 'nonsense' }, 'invalid_grant'],
    ])('answers %s with 400 {error: %s}', async (_case, fields, error) => {
      const response = await form('/oauth/token', fields as Record<string, string>).expect(400);
      expect(response.body).toEqual({ error, error_description: expect.any(String) });
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('refuses a repeated parameter (§3.2) and a malformed body with invalid_request', async () => {
      const repeated = await t.http.post('/oauth/token').type('form').send('grant_type=password&grant_type=refresh_token').expect(400);
      expect(repeated.body.error).toBe('invalid_request');
      const malformed = await t.http.post('/oauth/token').set('content-type', 'application/json').send('{').expect(400);
      expect(malformed.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    });

    it('answers errors raised before the handler in the RFC 6749 shape too: wrong type, nesting, size', async () => {
      const text = await t.http.post('/oauth/token').set('content-type', 'text/plain').send('grant_type=password').expect(415);
      const nested = await t.http
        .post('/oauth/token')
        .set('content-type', 'application/json')
        .send('['.repeat(5000) + ']'.repeat(5000))
        .expect(400);
      const huge = await form('/oauth/token', { grant_type: 'password', username: 'x', password: 'y'.repeat(20_000) }).expect(413);
      for (const { body, headers } of [text, nested, huge]) {
        expect(body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
        expect(headers['cache-control']).toBe('no-store');
      }
    });

    it('reads form parameters flat: bracketed names do not nest', async () => {
      const response = await t.http.post('/oauth/token').type('form').send('grant_type[a][b]=password&grant_type[]=x').expect(400);
      expect(response.body).toEqual({ error: 'invalid_request', error_description: 'grant_type is required' });
    });

    it('keeps the general error shape, and form bodies refused, on routes outside the OAuth controller', async () => {
      const notFound = await t.http.post('/oauth/nothing-here').send({ token: 'x' }).expect(404);
      expect(notFound.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      const formLogin = await t.http.post('/auth').type('form').send('username=a&password=b').expect(415);
      expect(formLogin.body).toMatchObject({ statusCode: 415, error: expect.any(String), message: expect.any(String) });
      await t.http.post('/token').type('form').send('refreshToken=x').expect(415);
    });

    it('checks a password grant’s username and password by the rules of POST /auth before any password hashing', async () => {
      const verify = jest.spyOn(t.app.get(UsersService), 'verifyCredentials');
      try {
        for (const fields of [
          { username: user.username, password: 'p'.repeat(10_000) },
          { username: 'u'.repeat(65), password: user.password },
        ]) {
          const response = await form('/oauth/token', { grant_type: 'password', ...fields }).expect(400);
          expect(response.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
        }
        expect(verify).not.toHaveBeenCalled();
      } finally {
        verify.mockRestore();
      }
    });

    it('refuses an access token used as a refresh token', async () => {
      const session = await login(t.http, user);
      const response = await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: session.accessToken }).expect(400);
      expect(response.body.error).toBe('invalid_grant');
    });
  });

  describe('POST /oauth/revoke (RFC 7009)', () => {
    it('ends the client of a refresh token: 200', async () => {
      const session = await login(t.http, user);
      await form('/oauth/revoke', { token: session.refreshToken!, token_type_hint: 'refresh_token' }).expect(200);
      await t.http.get('/me').set(bearer(session)).expect(401);
    });

    it('ends the client of an access token: 200', async () => {
      const session = await login(t.http, user);
      await form('/oauth/revoke', { token: session.accessToken }).expect(200);
      await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(401);
    });

    it('answers 200 for unknown tokens and 400 invalid_request without a token', async () => {
      await form('/oauth/revoke', { token: 'whatever' }).expect(200);
      const response = await form('/oauth/revoke', {}).expect(400);
      expect(response.body.error).toBe('invalid_request');
    });
  });

  describe('POST /oauth/introspect (RFC 7662)', () => {
    const basic = (secret: string) => `Basic ${Buffer.from(`introspection:${secret}`).toString('base64')}`;

    it('describes live tokens to the introspection credentials', async () => {
      const session = await login(t.http, user);
      const access = await form('/oauth/introspect', { token: session.accessToken })
        .set('authorization', basic('introspection-secret-for-tests'))
        .expect(200);
      expect(access.body).toMatchObject({
        active: true,
        token_type: 'access_token',
        sub: user.id,
        sid: session.clientId,
        username: user.username,
        iss: t.url,
        aud: 'refresh-auth',
      });
      const refresh = await form('/oauth/introspect', { token: session.refreshToken! })
        .set('authorization', basic('introspection-secret-for-tests'))
        .expect(200);
      expect(refresh.body).toMatchObject({ active: true, token_type: 'refresh_token', sub: user.id, sid: session.clientId });
      // Introspection is not a use: the refresh token still rotates normally.
      await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
    });

    it('answers {active: false} for ended, unknown and rotated-away tokens', async () => {
      const session = await login(t.http, user);
      await t.http.post('/token').send({ refreshToken: session.refreshToken }).expect(201);
      for (const token of [session.refreshToken!, 'nonsense']) {
        const { body } = await form('/oauth/introspect', { token }).set('authorization', basic('introspection-secret-for-tests')).expect(200);
        expect(body).toEqual({ active: false });
      }
      await t.http.post('/auth/logout').set(bearer(session)).expect(204);
      const { body } = await form('/oauth/introspect', { token: session.accessToken })
        .set('authorization', basic('introspection-secret-for-tests'))
        .expect(200);
      expect(body).toEqual({ active: false });
    });

    it('lets a bearer introspect its own user’s tokens only', async () => {
      const mine = await login(t.http, user);
      const other = await login(t.http, await signUp(t.http));
      const own = await form('/oauth/introspect', { token: mine.refreshToken! }).set(bearer(mine)).expect(200);
      expect(own.body.active).toBe(true);
      const foreign = await form('/oauth/introspect', { token: other.accessToken }).set(bearer(mine)).expect(200);
      expect(foreign.body).toEqual({ active: false });
    });

    it('refuses callers without credentials or with a wrong secret: 401 invalid_client', async () => {
      const session = await login(t.http, user);
      for (const authorization of [undefined, basic('wrong-secret-of-same-size'), 'Bearer nonsense']) {
        const request = form('/oauth/introspect', { token: session.accessToken });
        if (authorization) request.set('authorization', authorization);
        const response = await request.expect(401);
        expect(response.body.error).toBe('invalid_client');
        expect(response.headers['www-authenticate']).toMatch(/Basic/);
      }
    });
  });

  describe('with a real OAuth client library (openid-client)', () => {
    it('discovers the server, logs in with the password grant, refreshes, introspects and revokes', async () => {
      const config = await client.discovery(new URL(t.url), 'my-app', undefined, client.None(), {
        algorithm: 'oauth2',
        execute: [client.allowInsecureRequests],
      });
      const granted = await client.genericGrantRequest(config, 'password', { username: user.username, password: user.password });
      expect(granted.token_type).toBe('bearer');
      const refreshed = await client.refreshTokenGrant(config, granted.refresh_token!);
      expect(refreshed.refresh_token).not.toBe(granted.refresh_token);
      await t.http.get('/me').set('authorization', `Bearer ${refreshed.access_token}`).expect(200);

      // A resource server introspects with its Basic credentials.
      const resourceServer = await client.discovery(
        new URL(t.url),
        'introspection',
        undefined,
        client.ClientSecretBasic('introspection-secret-for-tests'),
        { algorithm: 'oauth2', execute: [client.allowInsecureRequests] },
      );
      const introspected = await client.tokenIntrospection(resourceServer, refreshed.access_token);
      expect(introspected).toMatchObject({ active: true, sub: user.id, token_type: 'access_token' });
      // A public client has no introspection credentials.
      await expect(client.tokenIntrospection(config, refreshed.access_token)).rejects.toThrow();

      await client.tokenRevocation(config, refreshed.refresh_token!);
      await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      await t.http.get('/me').set('authorization', `Bearer ${refreshed.access_token}`).expect(401);
      expect((await client.tokenIntrospection(resourceServer, refreshed.access_token)).active).toBe(false);
    });
  });

  describe('without AUTH_OAUTH_PASSWORD_GRANT (the default: RFC 9700 §2.4)', () => {
    let plain: ListeningApp;
    beforeAll(async () => {
      plain = await startListeningApp();
    });
    afterAll(() => plain.close());

    it('refuses the password grant as unsupported_grant_type, and the metadata no longer lists it', async () => {
      const someone = await signUp(plain.http);
      const response = await plain.http
        .post('/oauth/token')
        .type('form')
        .send(new URLSearchParams({ grant_type: 'password', username: someone.username, password: someone.password }).toString())
        .expect(400);
      expect(response.body).toEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
      const { body } = await plain.http.get('/.well-known/oauth-authorization-server').expect(200);
      expect(body.grant_types_supported).toEqual(['refresh_token', 'authorization_code', 'client_credentials']);
      const session = await login(plain.http, someone);
      await plain.http.post('/oauth/token').type('form').send(`grant_type=refresh_token&refresh_token=${session.refreshToken}`).expect(200);
    });
  });
});
