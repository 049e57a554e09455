import * as client from 'openid-client';
import { bounded } from './bounded';
import { classify, type UpstreamCallOptions } from './oidc-upstream';
import { AuthorizationChecks, UpstreamProfile, UpstreamProvider, UpstreamRejectedException, UpstreamUnavailableException } from './upstream-provider';

/** GitHub's endpoints; a test points them at a local fake. */
export interface GitHubEndpoints {
  authorization: string;
  token: string;
  /** The REST API base; `<api>/user` names the user. */
  api: string;
}

export const GITHUB_ENDPOINTS: GitHubEndpoints = {
  authorization: 'https://github.com/login/oauth/authorize',
  token: 'https://github.com/login/oauth/access_token',
  api: 'https://api.github.com',
};

/**
 * A provider that is not OpenID Connect: GitHub speaks plain OAuth 2.0 (no ID token, no nonce), so the
 * user is whoever its user API names for the access token, and the subject is GitHub's numeric id
 * (the login can be renamed and reused). State and PKCE are still checked by openid-client.
 */
export class GitHubUpstream implements UpstreamProvider {
  private readonly config: client.Configuration;
  private readonly scopes: string[];

  constructor(
    readonly name: string,
    settings: { clientId: string; clientSecret: string | null; scopes: string[] },
    private readonly options: UpstreamCallOptions,
    private readonly endpoints: GitHubEndpoints = GITHUB_ENDPOINTS,
  ) {
    this.scopes = settings.scopes;
    this.config = new client.Configuration(
      { issuer: 'https://github.com', authorization_endpoint: endpoints.authorization, token_endpoint: endpoints.token },
      settings.clientId,
      undefined,
      settings.clientSecret ? client.ClientSecretPost(settings.clientSecret) : client.None(),
    );
    this.config.timeout = Math.ceil(options.timeoutMs / 1000);
    if (options.allowHttp && endpoints.token.startsWith('http:')) client.allowInsecureRequests(this.config);
  }

  authorizationUrl(checks: AuthorizationChecks): Promise<URL> {
    return client.calculatePKCECodeChallenge(checks.codeVerifier).then((challenge) =>
      client.buildAuthorizationUrl(this.config, {
        redirect_uri: checks.redirectUri,
        scope: this.scopes.join(' '),
        state: checks.state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        allow_signup: 'true',
      }),
    );
  }

  async complete(callbackUrl: URL, checks: AuthorizationChecks): Promise<UpstreamProfile> {
    const tokens = await this.call('token request', () =>
      client.authorizationCodeGrant(this.config, callbackUrl, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state }),
    );
    const response = await this.call('user API', () =>
      client.fetchProtectedResource(
        this.config,
        tokens.access_token,
        new URL(`${this.endpoints.api}/user`),
        'GET',
        null,
        new Headers({ accept: 'application/vnd.github+json' }),
      ),
    );
    if (response.status >= 500) throw new UpstreamUnavailableException(this.name, `the user API answered ${response.status}`);
    if (!response.ok) throw new UpstreamRejectedException(this.name, `the user API answered ${response.status}`);
    const user = (await this.call('user API', () => response.json())) as { id?: unknown; login?: unknown; email?: unknown; name?: unknown };
    if (typeof user.id !== 'number' && typeof user.id !== 'string') throw new UpstreamRejectedException(this.name, 'the user API named no user');
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
    return { subject: String(user.id), email: text(user.email), name: text(user.login) ?? text(user.name) };
  }

  private async call<T>(step: string, work: () => Promise<T>): Promise<T> {
    try {
      return await bounded(this.name, step, this.options.timeoutMs + 500, work());
    } catch (error) {
      throw classify(this.name, step, error);
    }
  }
}
