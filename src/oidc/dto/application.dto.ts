import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';

/** An absolute http(s) URL without a fragment (OIDC Core §3.1.2.1), at most 2048 characters. */
export const REDIRECT_URI = /^https?:\/\/[^\s#]{1,2040}$/;
/** openid, profile, email, or a role's name (a role scope). */
export const SCOPE_NAME = /^[a-z0-9:_-]{1,64}$/;

/** POST /admin/applications (API.md §13). */
export class CreateApplicationDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  /** `confidential` apps get a secret (shown once) and may also sign client assertions (private_key_jwt). */
  @IsIn(['public', 'confidential'])
  type!: 'public' | 'confidential';

  /** Matched exactly, character for character. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @Matches(REDIRECT_URI, { each: true, message: 'each redirect URI must be an absolute http(s) URL without a fragment' })
  redirectUris!: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(REDIRECT_URI, { each: true, message: 'each post-logout redirect URI must be an absolute http(s) URL without a fragment' })
  postLogoutRedirectUris?: string[];

  /** What the app may ever be granted: openid, profile, email and role scopes named like the role. */
  @IsArray()
  @ArrayMaxSize(32)
  @Matches(SCOPE_NAME, { each: true, message: 'each scope must match [a-z0-9:_-]{1,64}' })
  scopes!: string[];

  /** First-party apps skip the consent page. */
  @IsBoolean()
  firstParty!: boolean;

  @IsOptional()
  @Matches(REDIRECT_URI, { message: 'backchannelLogoutUri must be an absolute http(s) URL without a fragment' })
  backchannelLogoutUri?: string;

  /** private_key_jwt: the app's public keys, as a JWK Set, or where to fetch them. */
  @IsOptional()
  @IsObject()
  jwks?: { keys: unknown[] };

  @IsOptional()
  @Matches(REDIRECT_URI, { message: 'jwksUri must be an absolute http(s) URL' })
  jwksUri?: string;
}

/** PATCH /admin/applications/:clientId: only the fields given change; the type and the secret never do. Null is a 400. */
export class UpdateApplicationDto {
  @ValidateIf((dto: UpdateApplicationDto) => dto.name !== undefined)
  @IsString()
  @Length(1, 100)
  name?: string;

  @ValidateIf((dto: UpdateApplicationDto) => dto.redirectUris !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @Matches(REDIRECT_URI, { each: true, message: 'each redirect URI must be an absolute http(s) URL without a fragment' })
  redirectUris?: string[];

  @ValidateIf((dto: UpdateApplicationDto) => dto.postLogoutRedirectUris !== undefined)
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(REDIRECT_URI, { each: true, message: 'each post-logout redirect URI must be an absolute http(s) URL without a fragment' })
  postLogoutRedirectUris?: string[];

  @ValidateIf((dto: UpdateApplicationDto) => dto.scopes !== undefined)
  @IsArray()
  @ArrayMaxSize(32)
  @Matches(SCOPE_NAME, { each: true, message: 'each scope must match [a-z0-9:_-]{1,64}' })
  scopes?: string[];

  @ValidateIf((dto: UpdateApplicationDto) => dto.firstParty !== undefined)
  @IsBoolean()
  firstParty?: boolean;

  @ValidateIf((dto: UpdateApplicationDto) => dto.backchannelLogoutUri !== undefined)
  @Matches(REDIRECT_URI, { message: 'backchannelLogoutUri must be an absolute http(s) URL without a fragment' })
  backchannelLogoutUri?: string;

  @ValidateIf((dto: UpdateApplicationDto) => dto.jwks !== undefined)
  @IsObject()
  jwks?: { keys: unknown[] };

  @ValidateIf((dto: UpdateApplicationDto) => dto.jwksUri !== undefined)
  @Matches(REDIRECT_URI, { message: 'jwksUri must be an absolute http(s) URL' })
  jwksUri?: string;
}

/** An application as the admin API shows it: never its secret's hash. */
export class ApplicationResponseDto {
  clientId!: string;
  name!: string;
  type!: 'public' | 'confidential';
  redirectUris!: string[];
  postLogoutRedirectUris!: string[];
  scopes!: string[];
  firstParty!: boolean;
  backchannelLogoutUri!: string | null;
  jwksUri!: string | null;
  /** The methods it may authenticate with at the token endpoint. */
  tokenEndpointAuthMethods!: string[];
  createdAt!: string;
  updatedAt!: string;
  /** Only in the answer to POST /admin/applications, once. */
  clientSecret?: string;
}
