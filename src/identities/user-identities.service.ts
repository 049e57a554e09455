import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { QueryFailedError, Repository } from 'typeorm';
import { type Actor, SessionEventsService, UsersService } from '../auth';
import { Clock } from '../common/clock';
import { HttpError } from '../common/http-error';
import type { User } from '../users/user.entity';
import { IDENTITIES_OPTIONS, type IdentitiesModuleOptions } from './identities.options';
import type { UpstreamProfile } from './upstream-provider';
import { UserIdentity } from './user-identity.entity';

const identityInUse = () => new HttpError(409, 'Conflict', 'This identity already belongs to another account', {}, { reason: 'identity_in_use' });

/**
 * Users by their upstream identities. An identity finds its user by (provider, subject) only: an email
 * the provider vouches for never finds or joins an account (that would hand the account to whoever
 * controls the address at any provider). Joining happens only from a signed-in session (link).
 */
@Injectable()
export class UserIdentitiesService {
  constructor(
    @InjectRepository(UserIdentity) private readonly identities: Repository<UserIdentity>,
    private readonly users: UsersService,
    private readonly events: SessionEventsService,
    private readonly clock: Clock,
    @Inject(IDENTITIES_OPTIONS) private readonly config: IdentitiesModuleOptions,
  ) {}

  /** The user of this identity, or a new one when sign-up is open (403 `signup_disabled` otherwise). */
  async signIn(provider: string, profile: UpstreamProfile): Promise<User> {
    const known = await this.identities.findOneBy({ provider, subject: profile.subject });
    if (known) {
      await this.identities.update({ id: known.id }, { lastUsedAt: new Date(this.clock.now()) });
      return this.users.findById(known.userId);
    }
    if (!this.config.signup) {
      throw new HttpError(
        403,
        'Forbidden',
        'Sign-up is closed: link this provider from an existing account first',
        {},
        { reason: 'signup_disabled' },
      );
    }
    // No password and no email: the address stays the provider's business until the user verifies one here.
    const user = await this.createUser(profile, provider);
    await this.insert(user.id, provider, profile, { kind: 'user', userId: user.id });
    return user;
  }

  /** Joins the identity to a signed-in user; 409 when it belongs to someone else. */
  async link(userId: string, provider: string, profile: UpstreamProfile, by: Actor): Promise<void> {
    const known = await this.identities.findOneBy({ provider, subject: profile.subject });
    if (known?.userId === userId) return;
    if (known) throw identityInUse();
    await this.insert(userId, provider, profile, by);
  }

  list(userId: string): Promise<UserIdentity[]> {
    return this.identities.find({ where: { userId }, order: { createdAt: 'ASC' } });
  }

  /**
   * Removes one identity, never the last way left to sign in (a password, a verified address for email
   * sign-in, another identity). The count and the delete run in one transaction that locks the user's
   * row on PostgreSQL, so two removals at once cannot each leave the other as the last.
   */
  async unlink(userId: string, id: string, by: Actor): Promise<void> {
    const removed = await this.identities.manager.transaction(async (manager) => {
      if (manager.connection.options.type === 'postgres') await manager.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
      const identity = await manager.findOneBy(UserIdentity, { id, userId });
      if (!identity) throw new NotFoundException('No such identity');
      const others = (await manager.countBy(UserIdentity, { userId })) - 1;
      const user = await this.users.findById(userId);
      const otherWays = others + (user.passwordHash !== '' ? 1 : 0) + (user.emailVerifiedAt ? 1 : 0);
      if (otherWays === 0) {
        throw new HttpError(
          409,
          'Conflict',
          'This is the last way left to sign in: set a password or link another first',
          {},
          { reason: 'last_sign_in_method' },
        );
      }
      await manager.delete(UserIdentity, { id, userId });
      return identity;
    });
    await this.events.emit('user.identity_unlinked', userId, { provider: removed.provider, identityId: removed.id, by });
  }

  private async insert(userId: string, provider: string, profile: UpstreamProfile, by: Actor): Promise<void> {
    const now = new Date(this.clock.now());
    const id = randomUUID();
    const email = profile.email && profile.email.length <= 254 ? profile.email.toLowerCase() : null;
    try {
      await this.identities.insert({ id, userId, provider, subject: profile.subject, email, createdAt: now, lastUsedAt: now });
    } catch (error) {
      // The same identity linked or signed up twice at once: the unique index decides.
      if (error instanceof QueryFailedError && (await this.identities.existsBy({ provider, subject: profile.subject }))) throw identityInUse();
      throw error;
    }
    await this.events.emit('user.identity_linked', userId, { provider, identityId: id, by });
  }

  /** A username from what the provider calls the user, made unique with a random suffix when taken. */
  private async createUser(profile: UpstreamProfile, provider: string): Promise<User> {
    const hint = (profile.name ?? profile.email?.split('@')[0] ?? '').replace(/[^A-Za-z0-9._-]/g, '').slice(0, 40);
    const base = hint.length >= 3 ? hint : provider.replace(/[^a-z0-9]/g, '').slice(0, 20) || 'user';
    for (let attempt = 0; ; attempt++) {
      const username = attempt === 0 && hint.length >= 3 ? base : `${base}-${randomBytes(4).toString('hex')}`;
      try {
        return await this.users.create(username, null);
      } catch (error) {
        if (!(error instanceof ConflictException) || attempt >= 4) throw error;
      }
    }
  }

  /** Whether the user could still sign in without a password (PUT /me/password is for them). */
  async requireNoPassword(userId: string): Promise<void> {
    if (await this.users.hasPassword(userId)) {
      throw new HttpError(409, 'Conflict', 'This account has a password: change it with POST /me/password', {}, { reason: 'password_exists' });
    }
  }
}
