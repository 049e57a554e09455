import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { isEmail, IsString, MaxLength, ValidateBy } from 'class-validator';
import { isWellFormed } from '../../common/well-formed.decorator';

/** Addresses are stored trimmed and wholly lower-cased: one mailbox, one key (docs/security.md, Recovery and email). */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const EMAIL_RULES = { allow_display_name: false, allow_ip_domain: false, require_tld: false };

export function IsEmailAddress(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value)),
    IsString(),
    MaxLength(254),
    ValidateBy({
      name: 'isEmailAddress',
      validator: {
        // Well-formed first: validator's isEmail throws URIError on a lone surrogate (encodeURI), which was a 500.
        validate: (value: unknown) => typeof value === 'string' && isWellFormed(value) && isEmail(value, EMAIL_RULES),
        defaultMessage: () => 'email must be an email address',
      },
    }),
  );
}

/** `PUT /me/email` and `POST /password/forgot`. */
export class EmailDto {
  @IsEmailAddress()
  email!: string;
}
