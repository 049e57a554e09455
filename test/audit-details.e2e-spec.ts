import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startApp, TestApp } from './support/app';
import { userWithRoles } from './support/admin-helpers';
import { engineName } from './support/engines';
import { bearer, Session, signUp } from './support/factories';

/** Issue 24 #4: details are stored whole, and a page of the audit never fails. */
describe(`the audit trail never breaks (${engineName})`, () => {
  let t: TestApp;
  let root: Session;
  beforeAll(async () => {
    t = await startApp();
    root = (await userWithRoles(t, ['admin'])).session;
  });
  afterAll(() => t.close());

  const longRoles = (letter: string) => Array.from({ length: 32 }, (_, i) => `${letter}${String(i).padStart(2, '0')}`.padEnd(64, letter));

  it('stores the details of the largest legal roles change whole, and every page holding it answers', async () => {
    const user = await signUp(t.http);
    const [first, second] = [longRoles('a'), longRoles('b')];
    await t.http.patch(`/admin/users/${user.id}`).set(bearer(root)).send({ roles: first }).expect(200);
    await t.http.patch(`/admin/users/${user.id}`).set(bearer(root)).send({ roles: second }).expect(200);
    const page = await t.http.get('/admin/audit?limit=1').set(bearer(root)).expect(200);
    expect(page.body[0]).toMatchObject({ action: 'user.roles_changed', targetUserId: user.id, details: { previous: first, roles: second } });
    expect(JSON.stringify(page.body[0].details).length).toBeGreaterThan(4000);
    const all = await t.http.get('/admin/audit').set(bearer(root)).expect(200);
    expect(all.body.length).toBeGreaterThanOrEqual(2);
  });

  it('shows a row stored broken by an older version as it is, and the page still answers 200', async () => {
    const target = await signUp(t.http);
    const broken = `{"previous":["${'x'.repeat(100)}`;
    await t.app.get(DataSource).query(
      `INSERT INTO audit_events (id, at, actor, actor_user_id, actor_client_id, action, target_user_id, details)
       VALUES ($1, $2, 'cli', NULL, NULL, 'user.roles_changed', $3, $4)`.replace(/\$\d/g, engineName === 'SQLite' ? '?' : '$&'),
      [randomUUID(), Date.now(), target.id, broken],
    );
    const page = await t.http.get('/admin/audit?limit=100').set(bearer(root)).expect(200);
    expect(page.body.find((row: { targetUserId: string }) => row.targetUserId === target.id)).toMatchObject({ details: { unreadable: broken } });
  });
});
