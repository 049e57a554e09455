import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnvironment } from './env-file';

describe('readEnvironment', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'refresh-auth-env-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads .env of the working directory under the environment, which wins', () => {
    writeFileSync(join(dir, '.env'), '# a comment\nDATABASE_URL=sqlite:from-dotenv.sqlite\nPORT="8081"\n');
    expect(readEnvironment(dir, { PORT: '9090' })).toEqual({ DATABASE_URL: 'sqlite:from-dotenv.sqlite', PORT: '9090' });
  });

  it('is the environment alone without a .env', () => {
    expect(readEnvironment(dir, { PORT: '9090' })).toEqual({ PORT: '9090' });
  });
});
