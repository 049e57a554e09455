import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIST = join(__dirname, '..', 'dist');

/** The app (here its CLI) and the TypeORM CLI's ormconfig.ts read one .env the same way. */
describe('.env in the working directory', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'refresh-auth-dotenv-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    return spawnSync(process.execPath, args, { cwd: dir, env: { ...env, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 30_000 });
  };

  it('gives ormconfig.ts (npm run migration:*) the database the app uses', () => {
    const database = join(dir, 'from-dotenv.sqlite');
    writeFileSync(join(dir, '.env'), `DATABASE_URL=sqlite:${database}\n`);
    const migrations = run(['-e', `console.log(require(${JSON.stringify(join(DIST, 'ormconfig.js'))}).default.options.database)`]);
    expect(migrations.stdout.trim()).toBe(database);
    // The app migrates the same file on start.
    const app = run([join(DIST, 'src', 'cli.js'), 'list-clients', 'nobody_here']);
    expect(app.stderr).toContain('nobody_here');
    expect(existsSync(database)).toBe(true);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});
