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
  /** `DPoP` when the session is bound to this device's DPoP key. */
  tokenType: 'Bearer' | 'DPoP';
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
  /** Bound to a DPoP key (API.md §14): its tokens work only with proofs by that device's key. */
  bound: boolean;
  /** The application this session signed in to through us (OpenID Connect), or null for our own sign-ins. */
  application?: { clientId: string; name: string } | null;
  /** The upstream provider this client signed in through (GET /auth/oidc/<name>); absent for other sign-ins. */
  provider?: string;
}

export type ClientEnding =
  | 'logout'
  | 'revoked'
  | 'rejected'
  | 'reused'
  | 'password_changed'
  | 'password_reset'
  | 'disabled'
  | 'limit'
  | 'idle'
  | 'absolute'
  | 'expired'
  | 'factor_removed';

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

/** A second factor a login may be finished with (POST /auth/mfa `method`). */
export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';

/** The body of `403 reason "mfa_required"`: the password was right, a second factor is still needed. */
export interface MfaRequiredBody extends ErrorBody {
  reason: 'mfa_required';
  mfaToken: string;
  methods: SecondFactorMethod[];
  /** Seconds the mfaToken lives. */
  expiresIn: number;
}

/** One passkey of GET /me/factors. */
export interface PasskeyResponse {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** The ids of the live clients (devices) this passkey signed in. */
  clients: string[];
}

/** GET /me/factors. */
export interface FactorsResponse {
  totp: boolean;
  passkeys: PasskeyResponse[];
  recoveryCodesLeft: number;
}

/** POST /me/totp: the secret, pending until a code confirms it. */
export interface TotpEnrolmentResponse {
  secret: string;
  /** `otpauth://totp/...`, for a QR code. */
  otpauthUri: string;
}

/** POST /me/totp/confirm and POST /me/recovery-codes; `recoveryCodes` only when new ones were made. */
export interface RecoveryCodesResponse {
  recoveryCodes?: string[];
}
