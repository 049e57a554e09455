import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { HttpError } from '../common/http-error';
import { afterCursor, keysetPage } from '../common/keyset-page';
import { ADMIN_ROLE, formatRoles, parseRoles } from './roles';
import { User } from './user.entity';

/** An arbitrary constant: the PostgreSQL advisory lock that serialises the admin changes of users (roles, disabling, deletion). */
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

/** The acting admin (none for the CLI) is still an enabled admin when the statement runs. */
const ACTOR_IS_ADMIN = `(:actorId = '' OR EXISTS (SELECT 1 FROM users actor WHERE actor.id = :actorId AND actor.disabled_at IS NULL
  AND (' ' || actor.roles || ' ') LIKE '% ${ADMIN_ROLE} %'))`;

/** The row is as the change read it: what the change replaces is what the audit says it replaced. */
const UNCHANGED_SINCE = `roles = :readRoles AND COALESCE(disabled_at, -1) = :readDisabledAt`;

/** Tries of a change that keeps finding the user changed since its read (SQLite only; PostgreSQL serialises). */
const MAX_ATTEMPTS = 5;

export interface UserChange {
  roles?: string[];
  disabled?: boolean;
}

export interface UserListPage {
  users: User[];
  nextCursor: string | null;
}

function notFound(): NotFoundException {
  return new NotFoundException('User not found');
}

function notAnAdmin(): HttpError {
  return new HttpError(403, 'Forbidden', 'This route needs a role the caller does not have', {}, { reason: 'insufficient_role' });
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

  /**
   * Applies the change for the actor (an admin's user id, or null for the CLI) and answers the user
   * as the change found and left it; 404 unknown, 403 the actor is no longer an enabled admin, 409
   * the last admin. Only the named fields are written, by one conditional UPDATE that also holds the
   * actor's check and the last-admin rule: the database decides, and a change that finds the user
   * changed since its read is read and tried again, so `before` is always what it replaced.
   */
  async change(actorId: string | null, id: string, change: UserChange): Promise<{ before: User; after: User }> {
    for (let attempt = 1; ; attempt += 1) {
      const { before, after, affected } = await this.guarded(async (manager) => {
        const before = await manager.findOneBy(User, { id });
        if (!before) throw notFound();
        const after = this.applied(before, change);
        const staysAdmin = after.disabledAt === null && parseRoles(after.roles).includes(ADMIN_ROLE);
        const written = await manager
          .createQueryBuilder()
          .update(User)
          .set({ ...(change.roles && { roles: after.roles }), ...(change.disabled !== undefined && { disabledAt: after.disabledAt }) })
          .where('id = :id', { id })
          .andWhere(UNCHANGED_SINCE, { readRoles: before.roles, readDisabledAt: before.disabledAt?.getTime() ?? -1 })
          .andWhere(ACTOR_IS_ADMIN, { actorId: actorId ?? '' })
          .andWhere(ANOTHER_ADMIN_REMAINS, { staysAdmin: staysAdmin ? 1 : 0 })
          .execute();
        return { before, after, affected: written.affected ?? 0 };
      });
      if (affected > 0) return { before, after };
      const current = await this.find(id);
      await this.checkActor(actorId);
      const changedMeanwhile = current.roles !== before.roles || current.disabledAt?.getTime() !== before.disabledAt?.getTime();
      if (!changedMeanwhile) throw lastAdmin();
      if (attempt === MAX_ATTEMPTS) throw new ConflictException('The user is being changed by someone else; try again');
    }
  }

  /**
   * Deletes the user (its clients go with it: ON DELETE CASCADE); 404 unknown, 403 the actor, 409 the last admin.
   * `takes` runs just before the DELETE and says what the deletion takes with it: the admin asks Clients for
   * the live clients, so each gets its one session.ended. On PostgreSQL both run in one transaction with the
   * user row locked (a login's INSERT holds it FOR SHARE), so no login slips in between; SQLite runs them
   * back to back on its one connection (see guarded). Its answer counts only if the DELETE happened.
   */
  async delete<T>(actorId: string | null, id: string, takes: (manager: EntityManager) => Promise<T>): Promise<{ user: User; taken: T }> {
    const user = await this.find(id);
    const outcome = await this.guarded(async (manager) => {
      if (this.postgres) await manager.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [id]);
      const taken = await takes(manager);
      const deleted = await manager
        .createQueryBuilder()
        .delete()
        .from(User)
        .where('id = :id', { id })
        .andWhere(ACTOR_IS_ADMIN, { actorId: actorId ?? '' })
        .andWhere(ANOTHER_ADMIN_REMAINS, { staysAdmin: 0 })
        .execute();
      return deleted.affected ? { taken } : null;
    });
    if (outcome) return { user, taken: outcome.taken };
    await this.find(id);
    await this.checkActor(actorId);
    throw lastAdmin();
  }

  /**
   * 403 unless the actor (null: the CLI) is still an enabled admin. For writes made elsewhere (a
   * password, ending clients): it narrows the window since the guard's check to one query.
   */
  async checkActor(actorId: string | null): Promise<void> {
    if (actorId === null) return;
    const actor = await this.users.findOne({ where: { id: actorId }, select: { id: true, roles: true, disabledAt: true } });
    if (!actor || actor.disabledAt !== null || !parseRoles(actor.roles).includes(ADMIN_ROLE)) throw notAnAdmin();
  }

  async find(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw notFound();
    return user;
  }

  /** Users newest first, optionally whose name contains `query`. */
  async page(options: { query?: string; limit: number; cursor?: string }): Promise<UserListPage> {
    const q = this.users.createQueryBuilder('u');
    if (options.query) {
      const escaped = options.query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      q.andWhere(`u.username_key LIKE :pattern ESCAPE '\\'`, { pattern: `%${escaped}%` });
    }
    const rows = await afterCursor(q, { at: 'u.created_at', id: 'u.id' }, options).getMany();
    const { items, nextCursor } = keysetPage(rows, options.limit, (user) => ({ at: user.createdAt, id: user.id }));
    return { users: items, nextCursor };
  }

  private applied(before: User, change: UserChange): User {
    const roles = change.roles ? formatRoles(change.roles) : before.roles;
    const disabledAt = change.disabled === undefined ? before.disabledAt : change.disabled ? (before.disabledAt ?? new Date(this.clock.now())) : null;
    return Object.assign(new User(), before, { roles, disabledAt });
  }

  /*
   * PostgreSQL: one transaction under the advisory lock, so changes to users run one after the other
   * and the read inside is current. SQLite: no transaction (TypeORM's one connection would mix
   * concurrent ones); each statement holds the write lock, and the UPDATE's conditions decide.
   */
  private async guarded<T>(run: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.postgres) return run(this.users.manager);
    return this.users.manager.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_LOCK]);
      return run(manager);
    });
  }
}
