import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { ClientPage, ClientsService } from '../clients/clients.service';
import { isClientId } from '../clients/refresh-token';
import { type Actor, SessionEvents } from '../events';
import { UserAccountsService, UserChange } from '../users/user-accounts.service';
import { parseRoles } from '../users/roles';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AdminActor, AuditService } from './audit.service';

const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Every admin action, for the admin API and the CLI alike: the change, then the cache news that makes
 * the guard see it on the next request, the audit row and log line, and the session event.
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly accounts: UserAccountsService,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly audit: AuditService,
    private readonly events: SessionEvents,
  ) {}

  page(options: { query?: string; limit: number; cursor?: string }) {
    return this.accounts.page(options);
  }

  view(id: string): Promise<User & { liveClients: number }> {
    return this.accounts.view(checkedId(id));
  }

  async change(actor: AdminActor, id: string, change: UserChange): Promise<User & { liveClients: number }> {
    if (change.roles === undefined && change.disabled === undefined) throw new BadRequestException('give roles, disabled or both');
    const { before, after } = await this.accounts.change(checkedId(id), change);
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
    return this.accounts.view(id);
  }

  /** Sets the password (never audited or logged) and ends every client of the user. */
  async setPassword(actor: AdminActor, id: string, newPassword: string): Promise<void> {
    await this.accounts.find(checkedId(id));
    await this.users.setPassword(id, newPassword);
    const ended = await this.clients.endAll(id, 'password_changed', eventActor(actor));
    await this.audit.record(actor, 'user.password_set', id, { endedClients: ended });
    await this.events.emit('user.password_changed', id, { by: eventActor(actor), reason: 'admin' });
  }

  /** Deletes the user; their clients are deleted with them, each with its session.ended, and every instance forgets them. */
  async delete(actor: AdminActor, id: string): Promise<void> {
    const { user, taken: endedClientIds } = await this.accounts.delete(checkedId(id), (manager) => this.clients.liveIds(id, manager));
    await this.clients.userChanged(id);
    await this.audit.record(actor, 'user.deleted', id, { username: user.username, endedClients: endedClientIds.length });
    const by = eventActor(actor);
    // Like every other ending: one session.ended per client, which also closes its streams on every instance.
    for (const clientId of endedClientIds) await this.events.emit('session.ended', id, { reason: 'user_deleted', by }, clientId);
    await this.events.emit('user.deleted', id, { by });
  }

  async clientsOf(id: string, options: { includeEnded: boolean; limit: number; cursor?: string }): Promise<ClientPage> {
    await this.accounts.find(checkedId(id));
    return this.clients.page(id, options);
  }

  async endClient(actor: AdminActor, id: string, clientId: string): Promise<void> {
    await this.accounts.find(checkedId(id));
    if (!isClientId(clientId)) throw new NotFoundException('Client not found');
    await this.clients.end(id, clientId, 'revoked', eventActor(actor));
    await this.audit.record(actor, 'client.ended', id, { clientId });
  }

  async endClients(actor: AdminActor, id: string): Promise<number> {
    await this.accounts.find(checkedId(id));
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

function eventActor(actor: AdminActor): Actor {
  return actor.kind === 'cli' ? { kind: 'cli' } : { kind: 'admin', userId: actor.userId, clientId: actor.clientId };
}
