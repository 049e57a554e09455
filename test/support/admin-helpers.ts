import { AdminUsersService } from '../../src/admin/admin-users.service';
import type { TestApp } from './app';
import { login, Session, signUp, TestUser } from './factories';

/** A user given roles by the CLI's path (the way the first admin is made), logged in after. */
export async function userWithRoles(t: TestApp, roles: string[]): Promise<{ user: TestUser; session: Session }> {
  const user = await signUp(t.http);
  await t.app.get(AdminUsersService).change({ kind: 'cli' }, user.id, { roles });
  return { user, session: await login(t.http, user) };
}

export function claimsOf(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}
