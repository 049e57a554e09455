import { HttpError } from '../common/http-error';

/** What the callback knows of the user once the provider has answered and every check passed. */
export interface UpstreamProfile {
  /** The provider's stable id of the user: `sub`, or GitHub's numeric id. */
  subject: string;
  /** For display and as a hint for the username; never used to find or join an account. */
  email: string | null;
  name: string | null;
}

/** What the start of a sign-in hands to the provider, and the callback gets back to check against. */
export interface AuthorizationChecks {
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/**
 * One upstream provider. OpenID Connect issuers are one implementation (OidcUpstream, found by
 * discovery); a provider that speaks plain OAuth 2.0 and a user API (GitHubUpstream) is another:
 * to add one, implement these two methods and name it in UpstreamProvidersService.
 */
export interface UpstreamProvider {
  readonly name: string;
  /** The URL to send the browser to, carrying state, nonce (OIDC) and the PKCE S256 challenge. */
  authorizationUrl(checks: AuthorizationChecks): Promise<URL>;
  /** Trades the code of the callback URL and checks everything; throws UpstreamRejected or UpstreamUnavailable. */
  complete(callbackUrl: URL, checks: AuthorizationChecks): Promise<UpstreamProfile>;
}

/** The provider answered, but not with a sign-in we accept (wrong state, nonce, audience, signature...): 400. */
export class UpstreamRejectedException extends HttpError {
  constructor(provider: string, detail: string) {
    super(400, 'Bad Request', `The sign-in with ${provider} was refused: ${detail}`, {}, { reason: 'upstream_rejected', provider });
  }
}

/** The provider did not answer in time or failed: 502, with the reason; nothing was created. */
export class UpstreamUnavailableException extends HttpError {
  constructor(provider: string, detail: string) {
    super(
      502,
      'Bad Gateway',
      `${provider} did not answer as expected: ${detail}. Try again later.`,
      {},
      { reason: 'upstream_unavailable', provider },
    );
  }
}
