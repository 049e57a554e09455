import { startApp, TestApp } from './support/app';
import { runCliInProcess } from './support/cli';
import { controlAppClock } from './support/clock';
import { createTestDatabase, TestDatabase } from './support/engines';
import { bearer, login } from './support/factories';

// A file of its own (the longest CLI test), so it can run beside test/cli.e2e-spec.ts on the other worker.
// The commands run in-process (runCliInProcess); test/cli.e2e-spec.ts runs the built binary itself.
describe('the admin CLI: roles, passwords, disabling', () => {
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

  it('grants and revokes roles, sets a password, disables and enables, each audited as the CLI', async () => {
    await Promise.all([cli(['create-user', 'cli_carol'], 'correct horse battery'), cli(['create-user', 'cli_dave'], 'correct horse battery')]);
    const carol = { username: 'cli_carol', password: 'correct horse battery' };
    const clock = controlAppClock(t.app);
    const session = await login(t.http, carol);
    expect(await cli(['grant-role', 'cli_carol', 'admin'])).toMatchObject({ code: 0, stdout: 'cli_carol has roles: admin' });
    expect(await cli(['grant-role', 'cli_carol', 'editor'])).toMatchObject({ code: 0, stdout: 'cli_carol has roles: admin editor' });
    clock.advance(5_000);
    await t.http.get('/admin/users').set(bearer(session)).expect(200);
    // Refusals change nothing: they run side by side. The only admin cannot be demoted or disabled.
    const [badRole, demoted, disabled] = await Promise.all([
      cli(['grant-role', 'cli_carol', 'Bad Role']),
      cli(['revoke-role', 'cli_carol', 'admin']),
      cli(['disable', 'cli_carol']),
    ]);
    expect(badRole).toMatchObject({ code: 2, stderr: expect.stringContaining('role must match') });
    expect(demoted).toMatchObject({ code: 2, stderr: expect.stringContaining('without an enabled admin') });
    expect(disabled).toMatchObject({ code: 2, stderr: expect.stringContaining('without an enabled admin') });
    expect(await cli(['grant-role', 'cli_dave', 'admin'])).toMatchObject({ code: 0 });
    expect(await cli(['revoke-role', 'cli_carol', 'admin'])).toMatchObject({ code: 0, stdout: 'cli_carol has roles: editor' });
    // The CLI is another instance (and here without Redis): the app sees it within AUTH_CLIENT_CACHE_TTL.
    clock.advance(5_000);
    await t.http.get('/admin/users').set(bearer(session)).expect(403);

    expect(await cli(['set-password', 'cli_carol'], 'another long password\n')).toMatchObject({ code: 0 });
    clock.advance(5_000);
    await t.http.get('/me').set(bearer(session)).expect(401);
    const fresh = await login(t.http, { ...carol, password: 'another long password' });
    expect(await cli(['disable', 'cli_carol'])).toMatchObject({ code: 0, stdout: 'disabled cli_carol' });
    await t.http.post('/token').send({ refreshToken: fresh.refreshToken }).expect(401);
    await t.http
      .post('/auth')
      .send({ ...carol, password: 'another long password' })
      .expect(403);
    expect(await cli(['enable', 'cli_carol'])).toMatchObject({ code: 0, stdout: 'enabled cli_carol' });
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
  }, 60_000); // a dozen CLI runs, each booting an app context
});
