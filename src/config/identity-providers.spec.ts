import { loadEnv } from './env';

/* AUTH_OIDC_<NAME>_* (API.md §12): any number of providers, each checked whole at start. */
describe('upstream providers in the environment', () => {
  const corp = { AUTH_OIDC_CORP_ISSUER: 'https://id.corp.example/', AUTH_OIDC_CORP_CLIENT_ID: 'app', AUTH_OIDC_CORP_CLIENT_SECRET: 's3cret-value' };

  it('reads any number of providers, with default scopes, and GitHub as a preset', () => {
    const env = loadEnv({
      ...corp,
      AUTH_OIDC_MY_IDP_ISSUER: 'https://idp.example',
      AUTH_OIDC_MY_IDP_CLIENT_ID: 'x',
      AUTH_OIDC_MY_IDP_SCOPES: 'openid, email',
      AUTH_OIDC_GITHUB_ISSUER: 'https://github.com',
      AUTH_OIDC_GITHUB_CLIENT_ID: 'gh',
    });
    expect(env.identities.providers).toEqual([
      {
        name: 'corp',
        kind: 'oidc',
        issuer: 'https://id.corp.example',
        clientId: 'app',
        clientSecret: 's3cret-value',
        scopes: ['openid', 'email', 'profile'],
      },
      { name: 'github', kind: 'github', issuer: 'https://github.com', clientId: 'gh', clientSecret: null, scopes: ['read:user'] },
      { name: 'my_idp', kind: 'oidc', issuer: 'https://idp.example', clientId: 'x', clientSecret: null, scopes: ['openid', 'email'] },
    ]);
    expect(env.identities.timeout).toBe(5);
    expect(loadEnv({}).identities.providers).toEqual([]);
  });

  it('stops the start on a provider that is not whole, naming the variable and never printing the secret', () => {
    expect(() => loadEnv({ AUTH_OIDC_CORP_CLIENT_ID: 'app' })).toThrow(/AUTH_OIDC_CORP_ISSUER/);
    expect(() => loadEnv({ AUTH_OIDC_CORP_ISSUER: 'https://id.corp.example' })).toThrow(/AUTH_OIDC_CORP_CLIENT_ID/);
    expect(() => loadEnv({ ...corp, AUTH_OIDC_CORP_ISSUER: 'ftp://id.corp.example' })).toThrow(/AUTH_OIDC_CORP_ISSUER/);
    expect(() => loadEnv({ ...corp, AUTH_OIDC_CORP_SCOPES: 'email profile' })).toThrow(/AUTH_OIDC_CORP_SCOPES.*openid/);
    expect(() => loadEnv({ ...corp, AUTH_OIDC_CORP_CLIENT_SECRETS: 'typo' })).toThrow(/AUTH_OIDC_CORP_CLIENT_SECRETS/);
    expect(() => loadEnv({ AUTH_OIDC_CORP_CLIENT_SECRET: 's3cret-value' })).toThrow(/AUTH_OIDC_CORP_ISSUER/);
    try {
      loadEnv({ AUTH_OIDC_CORP_CLIENT_SECRET: 's3cret-value' });
    } catch (error) {
      expect(String(error)).not.toContain('s3cret-value');
    }
  });

  it('takes a plain-http issuer only outside production', () => {
    const local = { ...corp, AUTH_OIDC_CORP_ISSUER: 'http://127.0.0.1:9000' };
    expect(loadEnv(local).identities.providers[0].issuer).toBe('http://127.0.0.1:9000');
    expect(loadEnv(local).identities.production).toBe(false);
    expect(() => loadEnv({ ...local, NODE_ENV: 'production' })).toThrow(/AUTH_OIDC_CORP_ISSUER.*https/);
    expect(loadEnv({ ...corp, NODE_ENV: 'production' }).identities.production).toBe(true);
  });
});
