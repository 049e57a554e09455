import { ValidateBy, ValidationOptions } from 'class-validator';

/** A lone surrogate (\p{Cs} outside a pair) is no character: the string cannot be encoded or normalised faithfully. */
const LONE_SURROGATE = /\p{Cs}/u;

export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** A string with no lone surrogates, i.e. valid Unicode that survives UTF-8 and normalisation. */
export function IsWellFormed(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWellFormed',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isWellFormed(value),
        defaultMessage: (args) => `${args?.property} must be well-formed Unicode (no lone surrogates)`,
      },
    },
    options,
  );
}
