import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Makes a user an admin the way an operator does (`npm run cli -- grant-role <username> admin`),
 * against the bench server's database while it runs; the role applies to logins after it.
 */
export async function grantAdmin(env: Record<string, string>, username: string): Promise<void> {
  const cli = join(__dirname, '..', 'src', 'cli.js');
  await promisify(execFile)(process.execPath, [cli, 'grant-role', username, 'admin'], { env: { ...process.env, ...env }, timeout: 60_000 });
}
