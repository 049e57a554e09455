import { BadRequestException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/**
 * The global ValidationPipe's rules, for input a guard must check before any pipe runs
 * (passport-local reads the body in a guard).
 */
export function validateInput<T extends object>(type: new () => T, plain: unknown, what = 'body'): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new BadRequestException(`Request ${what} must be a JSON object`);
  }
  const instance = plainToInstance(type, plain);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new BadRequestException(errors.flatMap((error) => Object.values(error.constraints ?? {})));
  }
  return instance;
}
