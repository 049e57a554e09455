import { ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';

/**
 * Refuses every key the DTO does not declare, read from the plain input. class-transformer drops
 * `constructor`, `prototype` and the like while it builds the instance, so the whitelist of
 * class-validator, which looks at the instance, would never see them.
 */
function assertDeclaredKeys(type: Function, plain: object): void {
  const declared = new Set(getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).map((rule) => rule.propertyName));
  const unknown = Object.keys(plain).filter((key) => !declared.has(key));
  if (unknown.length > 0) throw new BadRequestException(unknown.map((key) => `property ${key.slice(0, 64)} should not exist`));
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The one global pipe: whitelist, forbid unknown fields (every one of them), transform. */
export class InputValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.metatype && this.toValidate(metadata) && isObject(value)) assertDeclaredKeys(metadata.metatype, value);
    return super.transform(value, metadata);
  }
}

/**
 * The global pipe's rules, for input a guard must check before any pipe runs
 * (passport-local reads the body in a guard).
 */
export function validateInput<T extends object>(type: new () => T, plain: unknown, what = 'body'): T {
  if (!isObject(plain)) {
    throw new BadRequestException(`Request ${what} must be a JSON object`);
  }
  assertDeclaredKeys(type, plain);
  const instance = plainToInstance(type, plain);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new BadRequestException(errors.flatMap((error) => Object.values(error.constraints ?? {})));
  }
  return instance;
}
