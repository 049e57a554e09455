import type { Application } from './application.entity';

/** OIDC Core §3.1.2.1's parameters, as /authorize read and checked them. */
export interface AuthorizeRequest {
  application: Application;
  redirectUri: string;
  state: string | undefined;
  scope: string;
  codeChallenge: string;
  nonce: string | null;
  prompt: Set<string>;
  maxAge: number | undefined;
  loginHint: string | undefined;
}

/** Why a request could not be answered at its redirect URI: an error page says it to the user instead. */
export class UnredirectableError extends Error {}

/** An error for the app, sent to its (registered) redirect URI with state and iss (RFC 9207). */
export class RedirectedError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const PROMPTS = new Set(['none', 'login', 'consent']);

/** One value per parameter (OIDC Core §3.1.2.1 / RFC 6749 §3.1: never repeated). */
export function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RedirectedError('invalid_request', `${name} must be given once`);
  return value;
}

/**
 * The checks after the redirect URI is known to be the app's: each failure goes back to the app.
 * PKCE S256 is required of every app (RFC 9700 §2.1.1); `plain` is refused.
 */
export function checkAuthorizeRequest(application: Application, redirectUri: string, query: Record<string, unknown>): AuthorizeRequest {
  for (const unsupported of ['request', 'request_uri', 'registration']) {
    if (query[unsupported] !== undefined) throw new RedirectedError(`${unsupported}_not_supported`, `${unsupported} is not supported`);
  }
  const responseType = single(query, 'response_type');
  if (responseType !== 'code') throw new RedirectedError('unsupported_response_type', 'response_type must be code');
  const responseMode = single(query, 'response_mode');
  if (responseMode !== undefined && responseMode !== 'query') throw new RedirectedError('invalid_request', 'response_mode must be query');
  const codeChallenge = single(query, 'code_challenge');
  const method = single(query, 'code_challenge_method');
  if (!codeChallenge) throw new RedirectedError('invalid_request', 'code_challenge is required (PKCE, S256)');
  if (method !== 'S256') throw new RedirectedError('invalid_request', 'code_challenge_method must be S256; plain is not accepted');
  if (!PKCE_CHALLENGE.test(codeChallenge)) throw new RedirectedError('invalid_request', 'code_challenge must be a base64url SHA-256');
  const scope = single(query, 'scope') ?? '';
  if (scope.length > 2000 || !/^[\x21\x23-\x5B\x5D-\x7E ]*$/.test(scope)) throw new RedirectedError('invalid_scope', 'scope is malformed');
  const nonce = single(query, 'nonce') ?? null;
  if (nonce !== null && (nonce.length === 0 || nonce.length > 512)) throw new RedirectedError('invalid_request', 'nonce must be 1 to 512 characters');
  const prompt = new Set((single(query, 'prompt') ?? '').split(' ').filter(Boolean));
  if ([...prompt].some((value) => !PROMPTS.has(value)) || (prompt.has('none') && prompt.size > 1)) {
    throw new RedirectedError('invalid_request', 'prompt must be none, or login and/or consent');
  }
  const maxAgeText = single(query, 'max_age');
  if (maxAgeText !== undefined && !/^\d{1,9}$/.test(maxAgeText)) throw new RedirectedError('invalid_request', 'max_age must be a number of seconds');
  const loginHint = single(query, 'login_hint');
  return {
    application,
    redirectUri,
    state: single(query, 'state'),
    scope,
    codeChallenge,
    nonce,
    prompt,
    maxAge: maxAgeText === undefined ? undefined : Number(maxAgeText),
    loginHint: loginHint?.slice(0, 254),
  };
}

/** The app's redirect URI with the answer in its query (RFC 6749 §4.1.2), keeping the URI's own query. */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
  return url.toString();
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ESCAPES[char]);

/** A small page of ours, styled by the account page's stylesheet (no inline style or script: the CSP holds). */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/account/styles.css"></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}
