import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveKeyEncryptionSecret, SECRET_FILE_NAME } from './key-encryption-secret';

describe('resolveKeyEncryptionSecret', () => {
  const none = { encryptionSecret: null, allowPlaintextKeys: false };
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'refresh-auth-secret-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes AUTH_KEY_ENCRYPTION_SECRET when set, on either engine', () => {
    const keys = { ...none, encryptionSecret: 'x'.repeat(32) };
    expect(resolveKeyEncryptionSecret(keys, 'postgres://db/app').secret).toBe('x'.repeat(32));
    expect(resolveKeyEncryptionSecret(keys, `sqlite:${dir}/db.sqlite`).secret).toBe('x'.repeat(32));
  });

  it('refuses PostgreSQL without it, naming the variable, unless plaintext keys are explicitly allowed', () => {
    expect(() => resolveKeyEncryptionSecret(none, 'postgres://db/app')).toThrow(/AUTH_KEY_ENCRYPTION_SECRET is required on PostgreSQL/);
    expect(resolveKeyEncryptionSecret({ ...none, allowPlaintextKeys: true }, 'postgres://db/app').secret).toBeNull();
  });

  it('generates a secret for SQLite into a 0600 file in a 0700 folder beside the database, and keeps it', () => {
    const folder = join(dir, 'data');
    const first = resolveKeyEncryptionSecret(none, `sqlite:${folder}/db.sqlite`);
    const file = join(folder, SECRET_FILE_NAME);
    expect(first).toEqual({ secret: expect.stringMatching(/^[\w-]{43}$/), source: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(resolveKeyEncryptionSecret(none, `sqlite:${folder}/db.sqlite`).secret).toBe(first.secret);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secret);
  });

  it('tightens a secret file left readable by others, and refuses one that holds no secret', () => {
    const file = join(dir, SECRET_FILE_NAME);
    writeFileSync(file, 'y'.repeat(40), { mode: 0o644 });
    expect(resolveKeyEncryptionSecret(none, `sqlite:${dir}/db.sqlite`).secret).toBe('y'.repeat(40));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, '\n');
    expect(() => resolveKeyEncryptionSecret(none, `sqlite:${dir}/db.sqlite`)).toThrow(/holds no key-encryption secret/);
  });

  it('keeps a random secret in memory for sqlite::memory:', () => {
    const a = resolveKeyEncryptionSecret(none, 'sqlite::memory:');
    expect(a).toEqual({ secret: expect.stringMatching(/^[\w-]{43}$/), source: 'memory' });
    expect(resolveKeyEncryptionSecret(none, 'sqlite::memory:').secret).not.toBe(a.secret);
  });
});
