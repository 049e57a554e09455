import { IsOptional, IsString, MaxLength } from 'class-validator';

/** `POST /me/identities/:name`: where the browser lands once the provider has answered. */
export class ReturnToQueryDto {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  returnTo?: string;
}
