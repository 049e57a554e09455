import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateUserDto } from './create-user.dto';

const errorsFor = (body: object) =>
  validateSync(plainToInstance(CreateUserDto, body), { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);

describe('CreateUserDto', () => {
  it.each(['abc', 'a'.repeat(64), 'Alice.B_c@d-e', '123'])('accepts username %p', (username) => {
    expect(errorsFor({ username, password: 'long enough' })).toEqual([]);
  });

  it.each(['ab', 'a'.repeat(65), 'with space', 'tab\tname', 'émile', 'semi;colon', 'slash/name'])('refuses username %p', (username) => {
    expect(errorsFor({ username, password: 'long enough' })).toEqual(['username']);
  });

  it('counts the password in code points: 8 to 128', () => {
    expect(errorsFor({ username: 'abc', password: '1234567' })).toEqual(['password']);
    expect(errorsFor({ username: 'abc', password: '12345678' })).toEqual([]);
    expect(errorsFor({ username: 'abc', password: '😀'.repeat(8) })).toEqual([]);
    expect(errorsFor({ username: 'abc', password: '😀'.repeat(128) })).toEqual([]);
    expect(errorsFor({ username: 'abc', password: '😀'.repeat(129) })).toEqual(['password']);
  });

  it('refuses a password with a lone surrogate, and takes a paired one', () => {
    expect(errorsFor({ username: 'abc', password: 'long enough \uD83D' })).toEqual(['password']);
    expect(errorsFor({ username: 'abc', password: 'long enough \uDE00x' })).toEqual(['password']);
    expect(errorsFor({ username: 'abc', password: 'long enough \uD83D\uDE00' })).toEqual([]);
  });

  it('refuses unknown fields and non-strings', () => {
    expect(errorsFor({ username: 'abc', password: 'long enough', role: 'admin' })).toEqual(['role']);
    expect(errorsFor({ username: 123, password: 12345678 })).toEqual(['username', 'password']);
  });
});
