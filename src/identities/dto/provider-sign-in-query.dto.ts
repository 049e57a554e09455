import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

/** `GET /auth/oidc/:name`: the query the sign-in starts with. */
export class ProviderSignInQueryDto {
  /** `true` opens a permanent client with a refresh token. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'permanent must be true or false' })
  permanent?: 'true' | 'false';

  /** Where the browser lands afterwards: this service or one of CORS_ORIGINS (default: the account page). */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  returnTo?: string;

  /** `header`: the app gets `#code=` to trade at POST /auth/exchange instead of cookies. */
  @IsOptional()
  @IsIn(['header', 'cookie'], { message: 'transport must be header or cookie' })
  transport?: 'header' | 'cookie';
}
