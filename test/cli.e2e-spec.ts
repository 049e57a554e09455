import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startApp, TestApp } from './app';
import { createTestDatabase, TestDatabase } from './engines';
import { login } from './factories';

const CLI = join(__dirname, '..', 'dist', 'src', 'cli.js');

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

  const cli = (args: string[], input?: string) => {
    const result = spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, DATABASE_URL: database.url },
      input,
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
  };

  it('creates a user whose password comes from standard input, who can then log in', async () => {
    const created = cli(['create-user', 'cli_alice'], 'correct horse battery\n');
    expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/^created user cli_alice \(/) });
    await login(t.http, { username: 'cli_alice', password: 'correct horse battery' });
    expect(cli(['create-user', 'CLI_ALICE'], 'another password')).toMatchObject({ code: 2, stderr: expect.stringContaining('already taken') });
    expect(cli(['create-user', 'bad name'], 'correct horse battery')).toMatchObject({ code: 2, stderr: expect.stringContaining('username must be') });
    expect(cli(['create-user', 'cli_short'], 'short')).toMatchObject({ code: 2, stderr: expect.stringContaining('password must be') });
  });

  it('lists, ends one and ends all clients of a user', async () => {
    cli(['create-user', 'cli_bob'], 'correct horse battery');
    const bob = { username: 'cli_bob', password: 'correct horse battery' };
    const phone = await login(t.http, bob, true, 'phone');
    const laptop = await login(t.http, bob, true, 'laptop');
    const listed = cli(['list-clients', 'cli_bob']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')).toEqual([expect.stringContaining(laptop.clientId), expect.stringContaining(phone.clientId)]);
    expect(listed.stdout).not.toMatch(/hash|secret/i);

    expect(cli(['end-client', 'cli_bob', phone.clientId])).toMatchObject({ code: 0 });
    await t.http.post('/token').send({ refreshToken: phone.refreshToken }).expect(401);
    await t.http.post('/token').send({ refreshToken: laptop.refreshToken }).expect(201);
    expect(cli(['end-client', 'cli_bob', phone.clientId])).toMatchObject({ code: 2, stderr: expect.stringContaining('Client not found') });

    expect(cli(['end-clients', 'cli_bob'])).toMatchObject({ code: 0, stdout: 'ended 1 client(s) of cli_bob' });
    expect(cli(['list-clients', 'cli_bob'])).toMatchObject({ code: 0, stdout: 'cli_bob has no live clients' });
    // This instance reads the database again within AUTH_CLIENT_CACHE_TTL; the refresh token is dead at once.
    await t.http.post('/token').send({ refreshToken: laptop.refreshToken }).expect(401);
  });

  it('prunes ended clients and explains bad input with exit code 2', () => {
    expect(cli(['prune'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^deleted \d+ ended client\(s\)$/) });
    expect(cli(['list-clients', 'nobody_here'])).toMatchObject({ code: 2, stderr: expect.stringContaining('No user named nobody_here') });
    expect(cli(['list-clients'])).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run cli -- list-clients') });
    expect(cli(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command: frobnicate') });
    expect(cli([])).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run cli -- <command>') });
  });
});

describe('a malformed environment', () => {
  it.each([
    ['PORT', 'eighty'],
    ['AUTH_ACCESS_TTL', '15 minutes'],
    ['DATABASE_URL', 'mysql://localhost/db'],
  ])('stops the server at start with a message naming %s', (name, value) => {
    const result = spawnSync(process.execPath, [join(__dirname, '..', 'dist', 'src', 'main.js')], {
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
