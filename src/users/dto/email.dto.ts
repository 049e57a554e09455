import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength } from 'class-validator';

/** Addresses are stored trimmed and wholly lower-cased: one mailbox, one key (docs/security.md, Recovery and email). */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export function IsEmailAddress(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value)),
    IsString(),
    MaxLength(254),
    IsEmail({ allow_display_name: false, allow_ip_domain: false, require_tld: false }, { message: 'email must be an email address' }),
  );
}

/** `PUT /me/email` and `POST /password/forgot`. */
export class EmailDto {
  @IsEmailAddress()
  email!: string;
}
