import { EnvError, loadEnv } from './env';

describe('environment: second factors (API.md §11)', () => {
  it('takes the WebAuthn rp id from AUTH_WEBAUTHN_RP_ID, else the host of AUTH_PUBLIC_URL, else of AUTH_ISSUER', () => {
    expect(loadEnv({}).factors).toEqual({ rpId: 'localhost', origins: ['http://localhost:1337'] });
    expect(loadEnv({ AUTH_ISSUER: 'https://id.example.com' }).factors.rpId).toBe('id.example.com');
    const env = loadEnv({
      AUTH_ISSUER: 'https://id.example.com',
      AUTH_PUBLIC_URL: 'https://auth.example.com:8443',
      CORS_ORIGINS: 'https://app.example.com',
    });
    expect(env.factors).toEqual({ rpId: 'auth.example.com', origins: ['https://auth.example.com:8443', 'https://app.example.com'] });
    expect(loadEnv({ AUTH_PUBLIC_URL: 'https://auth.example.com', AUTH_WEBAUTHN_RP_ID: 'example.com' }).factors.rpId).toBe('example.com');
  });

  it('refuses an rp id that is not a domain, and malformed role lists', () => {
    expect(() => loadEnv({ AUTH_WEBAUTHN_RP_ID: 'https://example.com' })).toThrow(EnvError);
    expect(() => loadEnv({ AUTH_WEBAUTHN_RP_ID: 'Example.COM' })).toThrow(/AUTH_WEBAUTHN_RP_ID/);
    expect(() => loadEnv({ AUTH_MFA_REQUIRED_ROLES: 'admin,,support' })).toThrow(/AUTH_MFA_REQUIRED_ROLES/);
    expect(loadEnv({ AUTH_MFA_REQUIRED_ROLES: 'admin, support' }).auth.mfaRequiredRoles).toEqual(['admin', 'support']);
    expect(loadEnv({}).auth.mfaRequiredRoles).toEqual([]);
  });
});
