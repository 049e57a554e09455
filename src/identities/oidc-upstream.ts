import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { IdentityProviderConfig } from '../config/env';
import { bounded, isUnreachable } from './bounded';
import { AuthorizationChecks, UpstreamProfile, UpstreamProvider, UpstreamRejectedException, UpstreamUnavailableException } from './upstream-provider';

export interface UpstreamCallOptions {
  /** Milliseconds a discovery, token or key call may take (AUTH_OIDC_TIMEOUT). */
  timeoutMs: number;
  /** Plain-http issuers (and their endpoints): only outside production. */
  allowHttp: boolean;
}

/**
 * Any OpenID Connect provider, found by discovery at first use (and again after a failed one):
 * authorization code with PKCE S256, state and nonce checked by openid-client, and the ID token's
 * signature checked against the provider's JWKS with jose even though it came straight from the
 * token endpoint, so a compromised or confused token endpoint cannot name any user it likes.
 */
export class OidcUpstream implements UpstreamProvider {
  readonly name: string;
  private configuration: Promise<client.Configuration> | null = null;
  private keys: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(
    private readonly settings: IdentityProviderConfig,
    private readonly options: UpstreamCallOptions,
  ) {
    this.name = settings.name;
  }

  async authorizationUrl(checks: AuthorizationChecks): Promise<URL> {
    const config = await this.discovered();
    return client.buildAuthorizationUrl(config, {
      response_type: 'code',
      redirect_uri: checks.redirectUri,
      scope: this.settings.scopes.join(' '),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  async complete(callbackUrl: URL, checks: AuthorizationChecks): Promise<UpstreamProfile> {
    const config = await this.discovered();
    const tokens = await this.call('token request', () =>
      client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      }),
    );
    const idToken = tokens.id_token;
    if (!idToken) throw new UpstreamRejectedException(this.name, 'no ID token');
    const metadata = config.serverMetadata();
    if (!metadata.jwks_uri) throw new UpstreamRejectedException(this.name, 'the provider publishes no signing keys (jwks_uri)');
    this.keys ??= createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: this.options.timeoutMs });
    const { payload } = await this.call('signing keys', () =>
      jwtVerify(idToken, this.keys!, { issuer: metadata.issuer, audience: this.settings.clientId, requiredClaims: ['sub', 'exp', 'iat'] }),
    );
    // openid-client compared the nonce already; checked again here on the verified payload.
    if (payload.nonce !== checks.nonce) throw new UpstreamRejectedException(this.name, 'the ID token is not for this sign-in (nonce)');
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
    return { subject: String(payload.sub), email: text(payload.email), name: text(payload.preferred_username) ?? text(payload.name) };
  }

  /** One discovery at a time; a failed one is forgotten, so the next sign-in tries again. */
  private discovered(): Promise<client.Configuration> {
    this.configuration ??= this.call('discovery', () => this.discover()).catch((error: unknown) => {
      this.configuration = null;
      throw error;
    });
    return this.configuration;
  }

  private discover(): Promise<client.Configuration> {
    const { clientId, clientSecret, issuer } = this.settings;
    const authentication = clientSecret ? client.ClientSecretBasic(clientSecret) : client.None();
    const insecure = issuer.startsWith('http:') && this.options.allowHttp;
    return client.discovery(new URL(issuer), clientId, undefined, authentication, {
      timeout: Math.ceil(this.options.timeoutMs / 1000),
      ...(insecure && { execute: [client.allowInsecureRequests] }),
    });
  }

  /** The step within the bound; a network failure or timeout is 502, any refused answer or check 400. */
  private async call<T>(step: string, work: () => Promise<T>): Promise<T> {
    try {
      return await bounded(this.name, step, this.options.timeoutMs + 500, work());
    } catch (error) {
      throw classify(this.name, step, error);
    }
  }
}

/** How a failed step reaches the user: unreachable or a server error upstream is 502; anything else we refused is 400. */
export function classify(provider: string, step: string, error: unknown): Error {
  if (error instanceof UpstreamUnavailableException || error instanceof UpstreamRejectedException) return error;
  if (isUnreachable(error)) return new UpstreamUnavailableException(provider, `the ${step} failed (${(error as Error).name})`);
  if (error instanceof client.ResponseBodyError && error.status >= 500) {
    return new UpstreamUnavailableException(provider, `the ${step} failed with HTTP ${error.status}`);
  }
  if (error instanceof client.ResponseBodyError || error instanceof client.AuthorizationResponseError) {
    return new UpstreamRejectedException(provider, `${error.error}${error.error_description ? ` (${error.error_description})` : ''}`);
  }
  if (step === 'discovery') return new UpstreamUnavailableException(provider, 'its discovery document was not usable');
  const code = (error as { code?: unknown }).code;
  return new UpstreamRejectedException(provider, typeof code === 'string' ? code : 'the response did not check out');
}
