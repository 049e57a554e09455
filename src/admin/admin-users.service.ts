import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { ClientPage, ClientsService, ofApplication } from '../clients/clients.service';
import { isClientId } from '../clients/refresh-token';
import { type Actor, SessionEventsService } from '../events';
import { UserAccountsService, UserChange } from '../users/user-accounts.service';
import { parseRoles } from '../users/roles';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AdminActor, AuditService } from './audit.service';

/** A user as the admin API shows them: with how many devices are signed in. */
export type UserView = User & { liveClients: number };

const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Every admin action, for the admin API and the CLI alike: the change, then the cache news that makes
 * the guard see it on the next request, the audit row and log line, and the session event. The
 * guard checked the caller's role when the request came in; each write checks it again (the caller
 * may have been demoted or disabled meanwhile).
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly accounts: UserAccountsService,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly audit: AuditService,
    private readonly events: SessionEventsService,
  ) {}

  /** Users newest first, each with their live client count (asked of Clients for the whole page at once). */
  async page(options: { query?: string; limit: number; cursor?: string }): Promise<{ users: UserView[]; nextCursor: string | null }> {
    const { users, nextCursor } = await this.accounts.page(options);
    const live = await this.clients.liveCounts(users.map((user) => user.id));
    return { users: users.map((user) => Object.assign(user, { liveClients: live.get(user.id) ?? 0 })), nextCursor };
  }

  async view(id: string): Promise<UserView> {
    const user = await this.accounts.find(checkedId(id));
    const live = await this.clients.liveCounts([id]);
    return Object.assign(user, { liveClients: live.get(id) ?? 0 });
  }

  async change(actor: AdminActor, id: string, change: UserChange): Promise<UserView> {
    if (change.roles === undefined && change.disabled === undefined) throw new BadRequestException('give roles, disabled or both');
    const { before, after } = await this.accounts.change(actorId(actor), checkedId(id), change);
    await this.clients.userChanged(id);
    const by = eventActor(actor);
    const [previous, roles] = [parseRoles(before.roles), parseRoles(after.roles)];
    if (previous.join(' ') !== roles.join(' ')) {
      await this.audit.record(actor, 'user.roles_changed', id, { previous, roles });
      await this.events.emit('user.roles_changed', id, { roles, previous, by });
    }
    const disabled = after.disabledAt !== null;
    if (disabled !== (before.disabledAt !== null)) {
      // Disabled first, then every client ends: a login racing this either failed the INSERT's check or is ended here.
      const ended = disabled ? await this.clients.endAll(id, 'disabled', by) : 0;
      await this.audit.record(actor, disabled ? 'user.disabled' : 'user.enabled', id, disabled ? { endedClients: ended } : {});
      await this.events.emit('user.disabled', id, { disabled, by });
    }
    return this.view(id);
  }

  /** Sets the password (never audited or logged) and ends every client of the user. */
  async setPassword(actor: AdminActor, id: string, newPassword: string): Promise<void> {
    await this.accounts.find(checkedId(id));
    await this.accounts.checkActor(actorId(actor));
    await this.users.setPassword(id, newPassword);
    const ended = await this.clients.endAll(id, 'password_changed', eventActor(actor));
    await this.audit.record(actor, 'user.password_set', id, { endedClients: ended });
    await this.events.emit('user.password_changed', id, { by: eventActor(actor), reason: 'admin' });
  }

  /** Deletes the user; their clients are deleted with them, each with its session.ended, and every instance forgets them. */
  async delete(actor: AdminActor, id: string): Promise<void> {
    const { user, taken: ended } = await this.accounts.delete(actorId(actor), checkedId(id), (manager) => this.clients.live(id, manager));
    await this.clients.userChanged(id);
    await this.audit.record(actor, 'user.deleted', id, { username: user.username, endedClients: ended.length });
    const by = eventActor(actor);
    // Like every other ending: one session.ended per client, which also closes its streams on every instance
    // and tells its application (back-channel logout), though the row is gone.
    for (const row of ended) await this.events.emit('session.ended', id, { reason: 'user_deleted', by, ...ofApplication(row) }, row.id);
    await this.events.emit('user.deleted', id, { by });
  }

  async clientsOf(id: string, options: { includeEnded: boolean; limit: number; cursor?: string }): Promise<ClientPage> {
    await this.accounts.find(checkedId(id));
    return this.clients.page(id, options);
  }

  async endClient(actor: AdminActor, id: string, clientId: string): Promise<void> {
    await this.accounts.find(checkedId(id));
    if (!isClientId(clientId)) throw new NotFoundException('Client not found');
    await this.accounts.checkActor(actorId(actor));
    await this.clients.end(id, clientId, 'revoked', eventActor(actor));
    await this.audit.record(actor, 'client.ended', id, { clientId });
  }

  async endClients(actor: AdminActor, id: string): Promise<number> {
    await this.accounts.find(checkedId(id));
    await this.accounts.checkActor(actorId(actor));
    const ended = await this.clients.endAll(id, 'revoked', eventActor(actor));
    await this.audit.record(actor, 'clients.ended', id, { endedClients: ended });
    return ended;
  }
}

/** A malformed id is simply unknown: 404 without a query. */
function checkedId(id: string): string {
  if (!USER_ID.test(id)) throw new NotFoundException('User not found');
  return id;
}

/** The acting admin's user id, re-checked by the account rules; null for the CLI. */
function actorId(actor: AdminActor): string | null {
  return actor.kind === 'admin' ? actor.userId : null;
}

function eventActor(actor: AdminActor): Actor {
  return actor.kind === 'cli' ? { kind: 'cli' } : { kind: 'admin', userId: actor.userId, clientId: actor.clientId };
}
