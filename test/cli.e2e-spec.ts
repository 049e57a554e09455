import { startApp, TestApp } from './support/app';
import { runCli, runCliInProcess } from './support/cli';
import { createTestDatabase, TestDatabase } from './support/engines';
import { login } from './support/factories';

// The role, password and disable commands: test/cli-roles.e2e-spec.ts. A bad environment: test/malformed-env.e2e-spec.ts.

/**
 * The commands run in-process (runCliInProcess: the CLI's runner, its own app context), but for the built
 * binary's runs below (`binary`): a process that boots the app takes 1 to 3 s on a loaded 2-core machine.
 */
const CLI_TIMEOUT = 120_000;

describe('the admin CLI (npm run cli -- <command>)', () => {
  let database: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase({ shared: true });
    t = await startApp({ DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const cli = (args: string[], input?: string) => runCliInProcess(database.url, args, input);
  /** The built CLI (dist/src/cli.js), a process of its own: standard input, output and exit code for real. */
  const binary = (args: string[], input?: string) => runCli(database.url, args, input);

  it(
    'creates a user whose password comes from standard input, who can then log in',
    async () => {
      const created = await binary(['create-user', 'cli_alice'], 'correct horse battery\n');
      expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/^created user cli_alice \(/) });
      await login(t.http, { username: 'cli_alice', password: 'correct horse battery' });
      // Refusals change nothing: they run side by side.
      const [taken, badName, short] = await Promise.all([
        cli(['create-user', 'CLI_ALICE'], 'another password'),
        cli(['create-user', 'bad name'], 'correct horse battery'),
        cli(['create-user', 'cli_short'], 'short'),
      ]);
      expect(taken).toMatchObject({ code: 2, stderr: expect.stringContaining('already taken') });
      expect(badName).toMatchObject({ code: 2, stderr: expect.stringContaining('username must be') });
      expect(short).toMatchObject({ code: 2, stderr: expect.stringContaining('password must be') });
    },
    CLI_TIMEOUT,
  );

  it(
    'lists, ends one and ends all clients of a user',
    async () => {
      await cli(['create-user', 'cli_bob'], 'correct horse battery');
      const bob = { username: 'cli_bob', password: 'correct horse battery' };
      const phone = await login(t.http, bob, true, 'phone');
      const laptop = await login(t.http, bob, true, 'laptop');
      const listed = await cli(['list-clients', 'cli_bob']);
      expect(listed.code).toBe(0);
      expect(listed.stdout.split('\n')).toEqual([expect.stringContaining(laptop.clientId), expect.stringContaining(phone.clientId)]);
      expect(listed.stdout).not.toMatch(/hash|secret/i);

      expect(await cli(['end-client', 'cli_bob', phone.clientId])).toMatchObject({ code: 0 });
      await t.http.post('/token').send({ refreshToken: phone.refreshToken }).expect(401);
      await t.http.post('/token').send({ refreshToken: laptop.refreshToken }).expect(201);
      // Ending the phone again (already ended) and ending the rest do not touch the same client.
      const [again, all] = await Promise.all([cli(['end-client', 'cli_bob', phone.clientId]), cli(['end-clients', 'cli_bob'])]);
      expect(again).toMatchObject({ code: 2, stderr: expect.stringContaining('Client not found') });
      expect(all).toMatchObject({ code: 0, stdout: 'ended 1 client(s) of cli_bob' });
      expect(await cli(['list-clients', 'cli_bob'])).toMatchObject({ code: 0, stdout: 'cli_bob has no live clients' });
      // This instance reads the database again within AUTH_CLIENT_CACHE_TTL; the refresh token is dead at once.
      await t.http.post('/token').send({ refreshToken: laptop.refreshToken }).expect(401);
    },
    CLI_TIMEOUT,
  );

  it(
    'prunes ended clients and explains bad input with exit code 2',
    async () => {
      const [pruned, nobody, missing, unknown, none] = await Promise.all([
        cli(['prune']),
        cli(['list-clients', 'nobody_here']),
        cli(['list-clients']),
        binary(['frobnicate']),
        binary([]),
      ]);
      expect(pruned).toMatchObject({ code: 0, stdout: expect.stringMatching(/^deleted \d+ ended client\(s\)$/) });
      expect(nobody).toMatchObject({ code: 2, stderr: expect.stringContaining('No user named nobody_here') });
      expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run cli -- list-clients') });
      expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command: frobnicate') });
      expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run cli -- <command>') });
    },
    CLI_TIMEOUT,
  );
});
