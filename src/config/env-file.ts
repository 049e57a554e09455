import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The variables the service runs with: those of `.env` in the working directory, if there is one,
 * under the process environment (which wins). loadEnv reads through this for the app, the CLI and
 * ormconfig.ts (npm run migration:*), so a migration always meets the database the app uses.
 */
export function readEnvironment(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const file = join(cwd, '.env');
  return { ...(existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {}), ...env };
}
