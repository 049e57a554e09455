import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startApp } from './support/app';
import { createTestDatabase, postgresUrl, TestDatabase } from './support/engines';
import { credentials } from './support/factories';

/*
 * A SQLite file that reads fine but cannot be written (read-only, disk full, I/O errors) must not
 * pass for healthy. Tests run as root, which file modes do not stop: the files are made immutable
 * with `chattr +i` instead, which refuses writes to root as well (ext4, xfs, btrfs).
 */
function immutable(on: boolean, ...files: string[]): void {
  const present = files.filter((file) => existsSync(file));
  if (present.length > 0) execFileSync('chattr', [on ? '+i' : '-i', ...present]);
}

(postgresUrl ? describe.skip : describe)('a SQLite database that cannot be written', () => {
  let database: TestDatabase;
  let file: string;
  beforeEach(async () => {
    database = await createTestDatabase({ shared: true });
    file = database.url.slice('sqlite:'.length);
  });
  afterEach(async () => {
    immutable(false, file, `${file}-wal`);
    await database.drop();
  });

  it('while running: /health says 503, writes answer 503, and both recover once it can be written', async () => {
    const t = await startApp({ DATABASE_URL: database.url });
    try {
      await t.http.get('/health').expect(200);
      // The -wal file takes every write in WAL mode; the -shm file is memory-mapped and left alone.
      immutable(true, file, `${file}-wal`);
      const health = await t.http.get('/health').expect(503);
      expect(health.body.details.database).toEqual({ status: 'down', message: 'not writable' });
      const signUp = await t.http.post('/users').send(credentials()).expect(503);
      expect(signUp.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
      expect(signUp.headers['retry-after']).toBeDefined();
      immutable(false, file, `${file}-wal`);
      await t.http.get('/health').expect(200);
      await t.http.post('/users').send(credentials()).expect(201);
    } finally {
      await t.close();
    }
  });

  it('after a restart on a read-only file: refuses to start, naming the file', async () => {
    await (await startApp({ DATABASE_URL: database.url })).close();
    immutable(true, file);
    // The start opens the file for writing first (src/database/data-files.ts): a read-only file stops it
    // there, with the file's name, rather than serving reads and failing the first write.
    await expect(startApp({ DATABASE_URL: database.url })).rejects.toMatchObject({
      code: expect.stringMatching(/^E(PERM|ACCES|ROFS)$/),
      message: expect.stringContaining(file),
    });
  });
});
