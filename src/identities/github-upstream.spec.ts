import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { GitHubUpstream } from './github-upstream';
import { UpstreamRejectedException, UpstreamUnavailableException } from './upstream-provider';

/* The GitHub preset against a local fake of GitHub's three endpoints (authorize, access_token, /user). */
describe('GitHubUpstream', () => {
  let server: Server;
  let base: string;
  const seen: { token?: URLSearchParams; authorization?: string } = {};
  let userApi: (res: ServerResponse) => void;
  let tokenApi: ((body: URLSearchParams, res: ServerResponse) => void) | null;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/login/oauth/access_token' && req.method === 'POST') {
          const body = new URLSearchParams(Buffer.concat(chunks).toString());
          seen.token = body;
          if (tokenApi) return tokenApi(body, res);
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ access_token: 'gho_fake', token_type: 'bearer', scope: 'read:user' }));
        } else if (req.url === '/api/user') {
          seen.authorization = req.headers.authorization;
          userApi(res);
        } else {
          res.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    tokenApi = null;
    userApi = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 583231, login: 'octocat', email: null }));
  });

  const github = () =>
    new GitHubUpstream(
      'github',
      { clientId: 'gh-client', clientSecret: 'gh-secret', scopes: ['read:user'] },
      { timeoutMs: 1000, allowHttp: true },
      { authorization: `${base}/login/oauth/authorize`, token: `${base}/login/oauth/access_token`, api: `${base}/api` },
    );
  const checks = () => ({
    redirectUri: 'https://auth.example.test/auth/oidc/github/callback',
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: client.randomPKCECodeVerifier(),
  });
  const callback = (c: ReturnType<typeof checks>, state = c.state) => new URL(`${c.redirectUri}?code=the-code&state=${state}`);

  it('sends the browser to GitHub with state and a PKCE S256 challenge (no nonce: GitHub is not OpenID Connect)', async () => {
    const c = checks();
    const url = await github().authorizationUrl(c);
    expect(`${url.origin}${url.pathname}`).toBe(`${base}/login/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'gh-client',
      redirect_uri: c.redirectUri,
      scope: 'read:user',
      state: c.state,
      code_challenge: await client.calculatePKCECodeChallenge(c.codeVerifier),
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.has('nonce')).toBe(false);
  });

  it('trades the code (with the verifier and the client secret) and names the user by its numeric id', async () => {
    const c = checks();
    await expect(github().complete(callback(c), c)).resolves.toEqual({ subject: '583231', email: null, name: 'octocat' });
    expect(Object.fromEntries(seen.token!)).toMatchObject({
      grant_type: 'authorization_code',
      code: 'the-code',
      code_verifier: c.codeVerifier,
      client_secret: 'gh-secret',
      redirect_uri: c.redirectUri,
    });
    expect(seen.authorization).toBe('Bearer gho_fake');
  });

  it('refuses a callback whose state is not the one sent', async () => {
    const c = checks();
    await expect(github().complete(callback(c, 'another-state'), c)).rejects.toBeInstanceOf(UpstreamRejectedException);
  });

  it('refuses a code GitHub refuses (bad_verification_code)', async () => {
    tokenApi = (_body, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad_verification_code' }));
    const c = checks();
    await expect(github().complete(callback(c), c)).rejects.toThrow(/bad_verification_code/);
  });

  it('a user API that fails or names nobody: 502 or 400, never a user', async () => {
    const c = checks();
    userApi = (res) => res.writeHead(503).end();
    await expect(github().complete(callback(c), c)).rejects.toBeInstanceOf(UpstreamUnavailableException);
    userApi = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ login: 'no-id' }));
    await expect(github().complete(callback(c), c)).rejects.toBeInstanceOf(UpstreamRejectedException);
  });

  it('a GitHub that hangs: 502 within the bound', async () => {
    userApi = () => undefined; // never answers
    const c = checks();
    const started = Date.now();
    await expect(github().complete(callback(c), c)).rejects.toBeInstanceOf(UpstreamUnavailableException);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
