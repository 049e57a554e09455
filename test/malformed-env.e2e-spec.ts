import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');

describe('a malformed environment', () => {
  it.each([
    ['PORT', 'eighty'],
    ['AUTH_ACCESS_TTL', '15 minutes'],
    ['DATABASE_URL', 'mysql://localhost/db'],
  ])('stops the server at start with a message naming %s', (name, value) => {
    const result = spawnSync(process.execPath, [MAIN], {
      env: { ...process.env, DATABASE_URL: 'sqlite::memory:', [name]: value },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    // One line that names the variable and what it expects; no stack trace.
    const shown = name === 'DATABASE_URL' ? '<redacted>' : JSON.stringify(value); // it may hold a password
    expect(result.stderr.trim()).toMatch(new RegExp(`^Invalid environment variable ${name}=${shown}: expected [^\n]+$`));
  });
});
