import { IsString, MaxLength } from 'class-validator';

/** `POST /auth/exchange`: the one-time code from the `#code=` of a header-mode sign-in. */
export class ExchangeDto {
  @IsString()
  @MaxLength(256)
  code!: string;
}
