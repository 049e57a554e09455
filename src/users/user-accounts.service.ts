import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { HttpError } from '../common/http-error';
import { ADMIN_ROLE, formatRoles, parseRoles } from './roles';
import { User } from './user.entity';

/** An arbitrary constant: the PostgreSQL advisory lock that serialises changes to who is an admin. */
const ADMIN_LOCK = 1765000000;

/*
 * A change may leave the service without an enabled admin only if someone else still is one. The
 * count runs inside the same statement as the change; on PostgreSQL an advisory lock makes two
 * concurrent demotions run one after the other (READ COMMITTED would let both see the other admin).
 */
const ANOTHER_ADMIN_REMAINS = `(:staysAdmin = 1
  OR NOT (disabled_at IS NULL AND (' ' || roles || ' ') LIKE '% ${ADMIN_ROLE} %')
  OR EXISTS (SELECT 1 FROM users other WHERE other.id <> :id AND other.disabled_at IS NULL
    AND (' ' || other.roles || ' ') LIKE '% ${ADMIN_ROLE} %'))`;

export interface UserChange {
  roles?: string[];
  disabled?: boolean;
}

export interface UserListPage {
  users: (User & { liveClients: number })[];
  nextCursor: string | null;
}

function lastAdmin(): HttpError {
  return new HttpError(409, 'Conflict', 'This would leave the service without an enabled admin', {}, { reason: 'last_admin' });
}

/** Roles, disabling and deletion of users (the admin API and the CLI); the rules of the last admin. */
@Injectable()
export class UserAccountsService {
  private readonly postgres: boolean;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly clock: Clock,
  ) {
    this.postgres = users.manager.connection.options.type === 'postgres';
  }

  /** Applies the change and answers the user before and after it; 404 unknown, 409 the last admin. */
  async change(id: string, change: UserChange): Promise<{ before: User; after: User }> {
    const before = await this.find(id);
    const roles = change.roles ? formatRoles(change.roles) : before.roles;
    const disabledAt = change.disabled === undefined ? before.disabledAt : change.disabled ? (before.disabledAt ?? new Date(this.clock.now())) : null;
    const staysAdmin = disabledAt === null && parseRoles(roles).includes(ADMIN_ROLE);
    const affected = await this.guarded((manager) =>
      manager
        .createQueryBuilder()
        .update(User)
        .set({ roles, disabledAt })
        .where('id = :id', { id })
        .andWhere(ANOTHER_ADMIN_REMAINS, { staysAdmin: staysAdmin ? 1 : 0 })
        .execute(),
    );
    if (affected === 0) throw (await this.users.existsBy({ id })) ? lastAdmin() : new NotFoundException('User not found');
    return { before, after: Object.assign(new User(), before, { roles, disabledAt }) };
  }

  /**
   * Deletes the user (its clients go with it: ON DELETE CASCADE); 404 unknown, 409 the last admin.
   * `takes` runs in the same transaction just before the DELETE, once the user row is locked (a
   * login's INSERT holds it FOR SHARE; on SQLite the transaction's write lock), and says what the
   * deletion takes with it: the admin asks Clients for the live clients, so each gets its one
   * session.ended and no login slips in between. Its answer counts only if the DELETE happened.
   */
  async delete<T>(id: string, takes: (manager: EntityManager) => Promise<T>): Promise<{ user: User; taken: T }> {
    const user = await this.find(id);
    const outcome = await this.users.manager.transaction(async (manager) => {
      if (this.postgres) {
        await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_LOCK]);
        await manager.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [id]);
      }
      const taken = await takes(manager);
      const deleted = await manager.createQueryBuilder().delete().from(User).where('id = :id', { id }).andWhere(ANOTHER_ADMIN_REMAINS, { staysAdmin: 0 }).execute();
      return deleted.affected ? { taken } : null;
    });
    if (outcome === null) throw (await this.users.existsBy({ id })) ? lastAdmin() : new NotFoundException('User not found');
    return { user, taken: outcome.taken };
  }

  async find(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException('User not found');
    return user;
  }

  /** The user with their live client count; 404 unknown. */
  async view(id: string): Promise<User & { liveClients: number }> {
    const { entities, raw } = await this.withLiveClients().where('u.id = :id', { id }).getRawAndEntities<{ live_clients: string | number }>();
    if (!entities[0]) throw new NotFoundException('User not found');
    return Object.assign(entities[0], { liveClients: Number(raw[0].live_clients) });
  }

  /** Users newest first, optionally whose name contains `query`, with their live client counts. */
  async page(options: { query?: string; limit: number; cursor?: string }): Promise<UserListPage> {
    const q = this.withLiveClients().orderBy('u.created_at', 'DESC').addOrderBy('u.id', 'DESC');
    if (options.query) {
      const escaped = options.query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      q.andWhere(`u.username_key LIKE :pattern ESCAPE '\\'`, { pattern: `%${escaped}%` });
    }
    if (options.cursor !== undefined) {
      const after = decodeCursor(options.cursor);
      if (!after) throw new HttpError(400, 'Bad Request', 'cursor is not one this server gave out');
      q.andWhere('(u.created_at < :createdAt OR (u.created_at = :createdAt AND u.id < :afterId))', after);
    }
    const { entities, raw } = await q.limit(options.limit + 1).getRawAndEntities<{ live_clients: string | number }>();
    const users = entities.slice(0, options.limit).map((user, i) => Object.assign(user, { liveClients: Number(raw[i].live_clients) }));
    const last = users.at(-1);
    return { users, nextCursor: entities.length > options.limit && last ? encodeCursor(last) : null };
  }

  private withLiveClients() {
    const now = this.clock.now();
    return this.users
      .createQueryBuilder('u')
      .addSelect(
        (sub) => sub.select('COUNT(*)').from('clients', 'c').where('c.user_id = u.id AND c.ended_at IS NULL AND c.expires_at > :now', { now }),
        'live_clients',
      );
  }

  private async guarded(run: (manager: EntityManager) => Promise<{ affected?: number | null }>): Promise<number> {
    if (!this.postgres) return (await run(this.users.manager)).affected ?? 0; // one statement holds SQLite's write lock
    return this.users.manager.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_LOCK]);
      return (await run(manager)).affected ?? 0;
    });
  }
}

function encodeCursor(user: User): string {
  return Buffer.from(`${user.createdAt.getTime()}.${user.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; afterId: string } | null {
  const match = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match ? { createdAt: Number(match[1]), afterId: match[2] } : null;
}
