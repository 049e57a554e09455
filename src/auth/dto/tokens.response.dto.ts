export class AccessTokenDto {
  accessToken!: string;
  /** `DPoP` when the client is bound to a DPoP key (RFC 9449 §5): send the token as `Authorization: DPoP`. */
  tokenType!: 'Bearer' | 'DPoP';
  /** Seconds until the access token expires. */
  expiresIn!: number;
}

export class TokensDto extends AccessTokenDto {
  /** Present for permanent clients only. */
  refreshToken?: string;
  /** When the refresh token dies unless used (the idle deadline), ISO 8601. */
  refreshExpiresAt?: string;
  /** When the client ends whatever happens (the absolute deadline), ISO 8601. */
  sessionExpiresAt?: string;
}

export class LoginResponseDto {
  token!: TokensDto;
  user!: { id: string; username: string; clientId: string };
}

export class RefreshResponseDto {
  token!: Required<TokensDto>;
}

/** POST /auth/reauthenticate: a fresh access token for the same client (its refresh token is unchanged). */
export class ReauthenticateResponseDto {
  token!: AccessTokenDto;
}
