import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EnvError } from '../config/env';
import { ensureDataFolder, sqliteFile } from '../database/data-files';

export const SECRET_FILE_NAME = 'key-encryption.secret';

export type KeyEncryptionSecret = { secret: string; source: string } | { secret: null; source: 'AUTH_ALLOW_PLAINTEXT_KEYS' };

/**
 * The secret that encrypts private signing keys at rest, so that a copy of the database alone
 * cannot sign tokens. AUTH_KEY_ENCRYPTION_SECRET when set; on SQLite a random secret kept in a
 * 0600 file beside the database (never inside it); in memory for `sqlite::memory:`. PostgreSQL has
 * no folder of ours, so it needs the variable, or an explicit opt-out for throwaway setups.
 */
export function resolveKeyEncryptionSecret(
  keys: { encryptionSecret: string | null; allowPlaintextKeys: boolean },
  databaseUrl: string,
): KeyEncryptionSecret {
  if (keys.encryptionSecret) return { secret: keys.encryptionSecret, source: 'AUTH_KEY_ENCRYPTION_SECRET' };
  if (databaseUrl.startsWith('sqlite:')) {
    const file = sqliteFile(databaseUrl);
    if (!file) return { secret: newSecret(), source: 'memory' };
    const path = join(dirname(file), SECRET_FILE_NAME);
    return { secret: readOrCreateSecretFile(path), source: path };
  }
  if (keys.allowPlaintextKeys) return { secret: null, source: 'AUTH_ALLOW_PLAINTEXT_KEYS' };
  throw new EnvError(
    'AUTH_KEY_ENCRYPTION_SECRET is required on PostgreSQL (at least 32 random characters; every instance the same), ' +
      'so that a copy of the database cannot sign tokens. AUTH_ALLOW_PLAINTEXT_KEYS=true skips this, for throwaway test setups only.',
  );
}

const newSecret = () => randomBytes(32).toString('base64url');

function readOrCreateSecretFile(path: string): string {
  ensureDataFolder(path);
  try {
    chmodSync(path, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    createSecretFile(path);
  }
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 32) throw new EnvError(`${path} holds no key-encryption secret (at least 32 characters expected)`);
  return secret;
}

/**
 * Written whole under a temporary name, then linked into place: link() fails if the file exists, so
 * two processes starting together never read a half-written secret and both end up with the same one.
 */
function createSecretFile(path: string): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, `${newSecret()}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}
