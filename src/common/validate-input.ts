import { ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, ValidationError, ValidatorOptions, validateSync } from 'class-validator';

/** The keys a DTO declares, per DTO class: its rules never change once the classes are loaded. */
/** A DTO class, as Nest hands it to the pipe. */
type DtoClass = abstract new (...args: never[]) => unknown;

const declaredKeys = new WeakMap<DtoClass, Set<string>>();

function declared(type: DtoClass): Set<string> {
  let keys = declaredKeys.get(type);
  if (!keys) {
    keys = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(type, '', true, false)
        .map((rule) => rule.propertyName),
    );
    declaredKeys.set(type, keys);
  }
  return keys;
}

/**
 * Refuses every key the DTO does not declare, read from the plain input. class-transformer drops
 * `constructor`, `prototype` and the like while it builds the instance, so the whitelist of
 * class-validator, which looks at the instance, would never see them.
 */
function assertDeclaredKeys(type: DtoClass, plain: object): void {
  const keys = declared(type);
  const unknown = Object.keys(plain).filter((key) => !keys.has(key));
  if (unknown.length > 0) throw new BadRequestException(unknown.map((key) => `property ${key.slice(0, 64)} should not exist`));
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The one global pipe: whitelist, forbid unknown fields (every one of them), transform. */
export class InputValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    if (!type || !this.toValidate(metadata) || !isObject(value)) return super.transform(value, metadata);
    assertDeclaredKeys(type, value);
    return metadata.type === 'body' ? this.validateBody(type, value) : super.transform(value, metadata);
  }

  /*
   * A request body, the short way: the same instance, rules and errors as ValidationPipe's, without
   * the steps that guard against values a body cannot hold here (every body comes from our JSON or
   * form parser: no sparse arrays, no binary values, never null). Every request with a body goes through
   * here: the long way cost a refresh about a tenth of its time (docs/benchmarks.md, same-run A/B).
   */
  private async validateBody(type: DtoClass, value: object): Promise<unknown> {
    this.stripProtoKeys(value);
    const entity = plainToInstance(type as new () => object, value, this.transformOptions);
    const errors = validateSync(entity, { ...this.validatorOptions, validationError: { target: false, ...this.validatorOptions.validationError } });
    if (errors.length > 0) {
      if (this.validatorOptions.validationError?.value === undefined) this.stripParentErrorValues(errors);
      throw await this.exceptionFactory(errors);
    }
    return entity;
  }

  /*
   * Synchronously: no rule of ours is asynchronous, and class-validator's asynchronous run awaits every
   * property's checks, a cost on every request with a body (docs/benchmarks.md, same-run A/B).
   */
  protected override validate(object: object, options?: ValidatorOptions): ValidationError[] {
    return validateSync(object, options);
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
