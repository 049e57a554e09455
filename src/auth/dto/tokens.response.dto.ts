export class TokensDto {
  accessToken!: string;
  tokenType!: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn!: number;
  refreshToken?: string;
}

export class LoginResponseDto {
  token!: TokensDto;
  user!: { id: string; username: string; clientId: string };
}

export class RefreshResponseDto {
  token!: Required<TokensDto>;
}
