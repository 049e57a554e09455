import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startApp, TestApp } from './support/app';
import { createTestDatabase, TestDatabase } from './support/engines';
import { controlAppClock } from './support/clock';
import { bearer, login } from './support/factories';

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

  it('grants and revokes roles, sets a password, disables and enables, each audited as the CLI', async () => {
    cli(['create-user', 'cli_carol'], 'correct horse battery');
    const carol = { username: 'cli_carol', password: 'correct horse battery' };
    const clock = controlAppClock(t.app);
    const session = await login(t.http, carol);
    expect(cli(['grant-role', 'cli_carol', 'admin'])).toMatchObject({ code: 0, stdout: 'cli_carol has roles: admin' });
    expect(cli(['grant-role', 'cli_carol', 'editor'])).toMatchObject({ code: 0, stdout: 'cli_carol has roles: admin editor' });
    clock.advance(5_000);
    await t.http.get('/admin/users').set(bearer(session)).expect(200);
    expect(cli(['grant-role', 'cli_carol', 'Bad Role'])).toMatchObject({ code: 2, stderr: expect.stringContaining('role must match') });
    // The only admin cannot be demoted or disabled.
    expect(cli(['revoke-role', 'cli_carol', 'admin'])).toMatchObject({ code: 2, stderr: expect.stringContaining('without an enabled admin') });
    expect(cli(['disable', 'cli_carol'])).toMatchObject({ code: 2, stderr: expect.stringContaining('without an enabled admin') });
    cli(['create-user', 'cli_dave'], 'correct horse battery');
    expect(cli(['grant-role', 'cli_dave', 'admin'])).toMatchObject({ code: 0 });
    expect(cli(['revoke-role', 'cli_carol', 'admin'])).toMatchObject({ code: 0, stdout: 'cli_carol has roles: editor' });
    // The CLI is another instance (and here without Redis): the app sees it within AUTH_CLIENT_CACHE_TTL.
    clock.advance(5_000);
    await t.http.get('/admin/users').set(bearer(session)).expect(403);

    expect(cli(['set-password', 'cli_carol'], 'another long password\n')).toMatchObject({ code: 0 });
    clock.advance(5_000);
    await t.http.get('/me').set(bearer(session)).expect(401);
    const fresh = await login(t.http, { ...carol, password: 'another long password' });
    expect(cli(['disable', 'cli_carol'])).toMatchObject({ code: 0, stdout: 'disabled cli_carol' });
    await t.http.post('/token').send({ refreshToken: fresh.refreshToken }).expect(401);
    await t.http
      .post('/auth')
      .send({ ...carol, password: 'another long password' })
      .expect(403);
    expect(cli(['enable', 'cli_carol'])).toMatchObject({ code: 0, stdout: 'enabled cli_carol' });
    await login(t.http, { ...carol, password: 'another long password' });

    const dave = await login(t.http, { username: 'cli_dave', password: 'correct horse battery' });
    const audit = await t.http.get('/admin/audit?limit=6').set(bearer(dave)).expect(200);
    expect(audit.body.map((row: { action: string }) => row.action)).toEqual([
      'user.enabled',
      'user.disabled',
      'user.password_set',
      'user.roles_changed',
      'user.roles_changed',
      'user.roles_changed',
    ]);
    for (const row of audit.body) expect(row.actor).toEqual({ kind: 'cli', userId: null, clientId: null });
  }, 240_000); // a dozen CLI processes, each booting the app

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
