import { HttpError } from '../common/http-error';

/** An RFC 6749 §5.2 / OIDC error body (`{error, error_description}` through the OAuth filter), status 400 unless stated. */
export function oidcError(error: string, description: string, status = 400, headers: Record<string, string> = {}): HttpError {
  const names: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden' };
  return new HttpError(status, names[status] ?? 'Bad Request', description, headers, { oauthError: error });
}

/** The parameters of a request as the OAuth endpoints read them (OAuthParams satisfies this). */
export interface RequestParams {
  optional(name: string): string | undefined;
}
