/*
 * The server's response shapes (the DTOs under src/). test/sdk.e2e-spec.ts checks them against the
 * OpenAPI document the server publishes, so a changed DTO fails the build until these follow.
 */

/** POST /users. */
export interface UserResponse {
  id: string;
  username: string;
  createdAt: string;
}

/** GET /me. */
export interface MeResponse extends UserResponse {
  clientId: string;
}

/** The token part of POST /auth and POST /token; in cookie mode without accessToken and refreshToken. */
export interface TokensResponse {
  accessToken?: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken?: string;
  /** ISO 8601: the refresh token dies unless used by then (permanent clients only). */
  refreshExpiresAt?: string;
  /** ISO 8601: the client ends then whatever happens (permanent clients only). */
  sessionExpiresAt?: string;
}

export interface LoginResponse {
  token: TokensResponse;
  user: LoggedInUser;
}

export interface LoggedInUser {
  id: string;
  username: string;
  clientId: string;
}

export interface RefreshResponse {
  token: TokensResponse;
}

/** One client (device) of GET /clients. */
export interface ClientResponse {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  /** Browser and operating system read from `userAgent` by the server, e.g. "Firefox 128", "Windows 10". */
  browser: string | null;
  os: string | null;
  permanent: boolean;
  current: boolean;
  /** The upstream provider this client signed in through (GET /auth/oidc/<name>); absent for other sign-ins. */
  provider?: string;
}

export type ClientEnding =
  'logout' | 'revoked' | 'rejected' | 'reused' | 'password_changed' | 'password_reset' | 'disabled' | 'limit' | 'idle' | 'absolute' | 'expired';

/** GET /clients?include=ended. */
export interface ClientHistoryResponse extends ClientResponse {
  endedAt: string | null;
  endReason: ClientEnding | null;
  /** For a reuse: who presented the spent token (address, user agent, and what the server read from it). */
  endedBy: { ip: string | null; userAgent: string | null; browser: string | null; os: string | null } | null;
}

/** GET /me/email: the address is usable for recovery once verified through the mailed link. */
export interface EmailResponse {
  email: string | null;
  verified: boolean;
  /** A new address asked for while `email` is verified: it replaces `email` once its link is followed. */
  pendingEmail?: string;
}

/** POST /auth/reauthenticate: a fresh access token (cookie mode: in its cookie, so only the deadline here). */
export interface ReauthenticateResponse {
  token: Pick<TokensResponse, 'accessToken' | 'tokenType' | 'expiresIn'>;
}

/** POST /password/forgot: one body for every address, known or not. */
export interface ForgotPasswordResponse {
  message: string;
}

/** Every error body of the service. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  /** e.g. `expired`, `revoked`; `reauthentication_required` (ask for the password, then retry), `invalid_credentials`. */
  reason?: string;
  action?: 'refresh' | 'reauthenticate';
}
