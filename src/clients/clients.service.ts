import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { afterCursor, keysetPage } from '../common/keyset-page';
import { parseRoles } from '../users/roles';
import { Actor, SessionEventsService } from '../events';
import { CLIENTS_OPTIONS, type ClientsModuleOptions } from './clients.options';
import type { User } from '../users/user.entity';
import { Client, ClientEndReason } from './client.entity';
import { ClientState, isActive, Origin, recordedOrigin } from './client-rules';
import { ClientStateCache } from './client-state.cache';
import { ClientsRepository, EndedRow, EndValues } from './clients.repository';
import { formatRefreshToken, hashSecret, isClientId, newSecret } from './refresh-token';
import { RevocationNewsService } from './revocation-news.service';

const SYSTEM: Actor = { kind: 'system' };

export interface OpenedClient {
  client: Client;
  /** Only for a permanent client; exists in this return value and in the response, nowhere else. */
  refreshToken: string | null;
}

/** How a client opens: what ClientsService.open writes besides the user, the origin and permanence. */
export interface OpenOptions {
  scope?: string | null;
  /** The DPoP key the client is bound to (API.md §14). */
  dpopJkt?: string | null;
  /** An OpenID Connect application's sign-in (API.md §13), and when the user authenticated for it. */
  application?: { applicationId: string; authenticatedAt?: number } | null;
  /** How the user proved who they are (RFC 8176, space-separated); a password alone by default. */
  amr?: string;
}

export interface ReauthenticatedClient {
  client: Pick<Client, 'id' | 'userId' | 'expiresAt' | 'authenticatedAt' | 'scope' | 'amr' | 'dpopJkt'>;
  /** The user's roles as the update read them. */
  roles: string[];
}

export interface ClientPage {
  clients: Client[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

@Injectable()
export class ClientsService {
  constructor(
    @InjectRepository(Client) private readonly clients: Repository<Client>,
    private readonly clientsRepository: ClientsRepository,
    private readonly cache: ClientStateCache,
    private readonly news: RevocationNewsService,
    private readonly clock: Clock,
    @Inject(CLIENTS_OPTIONS) private readonly config: ClientsModuleOptions,
    private readonly events: SessionEventsService,
  ) {}

  /**
   * Every login opens a client; a permanent one gets its first refresh token. Null, and no client,
   * when the user's password changed after `user.passwordChangedAt` (the one the login checked).
   * Past AUTH_MAX_CLIENTS_PER_USER, the user's least recently used clients end (reason `limit`).
   * `amr`: how the user proved who they are (RFC 8176, space-separated).
   */
  async open(
    user: Pick<User, 'id' | 'passwordChangedAt'>,
    permanent: boolean,
    origin: Origin,
    { scope = null, dpopJkt = null, application = null, amr = 'pwd' }: OpenOptions = {},
  ): Promise<OpenedClient | null> {
    const userId = user.id;
    const now = this.clock.now();
    const sessionExpiresAt = now + (permanent ? this.config.refreshAbsoluteTtl : this.config.accessTtl) * 1000;
    const expiresAt = permanent ? Math.min(now + this.config.refreshIdleTtl * 1000, sessionExpiresAt) : sessionExpiresAt;
    const secret = permanent ? newSecret() : null;
    const client: Client = Object.assign(new Client(), {
      id: randomUUID(),
      userId,
      permanent,
      refreshTokenHash: secret && hashSecret(secret),
      previousRefreshTokenHash: null,
      recentSpentHashes: '',
      sealedSuccessor: null,
      rotatedAt: null,
      createdAt: new Date(now),
      // An application's client inherits the sign-in it was authorized from (its auth_time).
      authenticatedAt: new Date(application?.authenticatedAt ?? now),
      lastUsedAt: new Date(now),
      expiresAt: new Date(expiresAt),
      sessionExpiresAt: new Date(sessionExpiresAt),
      endedAt: null,
      endReason: null,
      ...recordedOrigin(origin),
      endedByIp: null,
      endedByUserAgent: null,
      scope,
      dpopJkt,
      applicationId: application?.applicationId ?? null,
      amr,
    });
    const inserted = await this.clientsRepository.insert({
      id: client.id,
      userId,
      passwordChangedAt: user.passwordChangedAt.getTime(),
      permanent,
      refreshTokenHash: client.refreshTokenHash,
      now,
      authenticatedAt: client.authenticatedAt.getTime(),
      expiresAt,
      sessionExpiresAt,
      ip: client.ip,
      userAgent: client.userAgent,
      scope,
      dpopJkt,
      applicationId: client.applicationId,
      amr,
    });
    if (!inserted) return null;
    await this.events.emit('session.created', userId, { permanent, origin: recordedOrigin(origin) }, client.id);
    const ended = await this.clientsRepository.endBeyondCap(userId, this.config.maxClientsPerUser, now);
    for (const row of ended) await this.news.clientEnded(row.id);
    // The user's new login pushed them out.
    const by: Actor = { kind: 'user', userId, clientId: client.id };
    for (const row of ended) await this.events.emit('session.ended', userId, { reason: 'limit', by, ...ofApplication(row) }, row.id);
    return { client, refreshToken: secret && formatRefreshToken(client.id, secret) };
  }

  /**
   * The user proved who they are again on this live client: from now on its access tokens carry this
   * moment as auth_time, and its amr gains `amr` (the methods this client has proven, RFC 8176: a
   * second factor proven now and a password at login make `mfa`). What a new access token needs, or
   * null when the client is not live.
   */
  async reauthenticated(userId: string, clientId: string, amr: readonly string[] = ['pwd']): Promise<ReauthenticatedClient | null> {
    const now = this.clock.now();
    const before = await this.clients.findOne({ where: { id: clientId, userId }, select: { id: true, amr: true } });
    if (!before) return null;
    const row = await this.clientsRepository.reauthenticate(clientId, userId, now, joinAmr(before.amr.split(' '), amr));
    if (!row) return null;
    const client = {
      id: clientId,
      userId,
      expiresAt: new Date(Number(row.expires_at)),
      authenticatedAt: new Date(now),
      scope: row.scope,
      dpopJkt: row.dpop_jkt,
      amr: row.amr,
    };
    return { client, roles: parseRoles(row.roles) };
  }

  /** The client's state for the access-token guard, from the cache when it is fresh enough. */
  async state(clientId: string): Promise<ClientState | null> {
    const cached = this.cache.get(clientId, this.clock.now());
    if (cached) return cached;
    const ticket = this.cache.ticket(); // an ending announced while this read runs wins over it
    // One JOIN on primary keys: the user's current roles and disabled flag ride along with the client.
    const row = await this.clients.findOne({
      where: { id: clientId },
      relations: { user: true },
      select: {
        id: true,
        userId: true,
        permanent: true,
        endedAt: true,
        endReason: true,
        expiresAt: true,
        sessionExpiresAt: true,
        applicationId: true,
        user: { id: true, roles: true, disabledAt: true },
      },
    });
    if (!row?.user) return null;
    const { user, ...client } = row;
    const state: ClientState = { ...client, userRoles: parseRoles(user.roles), userDisabled: user.disabledAt !== null };
    this.cache.set(state, this.clock.now(), ticket);
    return state;
  }

  /**
   * The user's roles or disabled flag changed: every instance drops the user's cached client states
   * (this one at once, others through RevocationNewsService), so the guard reads the change on the next request.
   */
  userChanged(userId: string): Promise<void> {
    return this.news.userClientsEnded(userId);
  }

  /** The client if it has neither ended nor expired. */
  async findActive(clientId: string): Promise<ClientState | null> {
    const state = await this.state(clientId);
    return state && isActive(state, this.clock.now()) ? state : null;
  }

  /** Records the upstream provider whose sign-in opened this client (GET /clients shows it). */
  async markIdentityProvider(clientId: string, provider: string): Promise<void> {
    await this.clients.update({ id: clientId }, { identityProvider: provider });
  }

  /** The user's live clients, newest first; with `includeEnded`, also those that ended within the retention period. */
  list(userId: string, includeEnded = false): Promise<Client[]> {
    return this.listQuery(userId, includeEnded).getMany();
  }

  /**
   * One page of list(): newest first, `limit` at a time, from `cursor` (the previous page's
   * nextCursor). The cursor names the last client shown, so pages stay stable while clients come and go.
   */
  async page(userId: string, options: { includeEnded?: boolean; limit: number; cursor?: string }): Promise<ClientPage> {
    const query = afterCursor(
      this.listQuery(userId, options.includeEnded ?? false),
      { at: 'client.created_at', id: 'client.id' },
      options,
      isClientId,
    );
    // The name of the application a client signed in to (API.md §13), so the list can say "Signed in to <app>".
    query.leftJoin('applications', 'application', 'application.client_id = client.application_id').addSelect('application.name', 'application_name');
    const { entities, raw } = await query.getRawAndEntities<{ application_name: string | null }>();
    entities.forEach((client, index) => (client.applicationName = raw[index]?.application_name ?? null));
    const { items, nextCursor } = keysetPage(entities, options.limit, (client) => ({ at: client.createdAt, id: client.id }));
    return { clients: items, nextCursor };
  }

  /** How many live clients each of these users has (the admin's user list); absent users have none. */
  async liveCounts(userIds: string[]): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.clients
      .createQueryBuilder('client')
      .select('client.user_id', 'userId')
      .addSelect('COUNT(*)', 'live')
      .where('client.user_id IN (:...userIds)', { userIds })
      .andWhere('client.ended_at IS NULL AND client.expires_at > :now', { now: this.clock.now() })
      .groupBy('client.user_id')
      .getRawMany<{ userId: string; live: string | number }>();
    return new Map(rows.map((row) => [row.userId, Number(row.live)]));
  }

  private listQuery(userId: string, includeEnded: boolean) {
    const now = this.clock.now();
    const query = this.clients.createQueryBuilder('client').where('client.user_id = :userId', { userId });
    if (includeEnded) {
      const since = now - this.config.clientRetention * 1000;
      query.andWhere('((client.ended_at IS NULL AND client.expires_at > :since) OR client.ended_at > :since)', { since });
    } else {
      query.andWhere('client.ended_at IS NULL AND client.expires_at > :now', { now });
    }
    return query.orderBy('client.created_at', 'DESC').addOrderBy('client.id', 'DESC');
  }

  /**
   * Ends one live client of the user; 404 when it is not theirs, unknown, malformed or already over.
   * `by`: who ended it, for its session.ended (required, so no path forgets to say).
   */
  async end(userId: string, clientId: string, reason: ClientEndReason, by: Actor, origin?: Origin): Promise<void> {
    if (!isClientId(clientId)) throw new NotFoundException('Client not found'); // never reaches the database
    const ended = await this.clientsRepository.endOne({ ...this.ending(reason, origin), id: clientId, userId });
    if (ended.length === 0) throw new NotFoundException('Client not found');
    await this.news.clientEnded(clientId);
    await this.announceEnded(ended, reason, by, origin);
  }

  /**
   * Ends a client whoever it belongs to (reject, reuse detection); idempotent. Without `by`, the
   * holder of its token ended it.
   */
  async endById(clientId: string, reason: ClientEndReason, origin: Origin, by?: Actor): Promise<void> {
    if (!isClientId(clientId)) return;
    const ended = await this.clientsRepository.endById({ ...this.ending(reason, origin), id: clientId });
    if (ended.length === 0) return;
    await this.news.clientEnded(clientId);
    await this.announceEnded(ended, reason, by, origin);
  }

  /** Ends every live client of the user but one ("log out other devices"); returns how many. */
  async endAllExcept(userId: string, keepClientId: string, reason: ClientEndReason, by: Actor): Promise<number> {
    const ended = await this.clientsRepository.endAllExcept({ ...this.ending(reason), userId, keepId: keepClientId });
    if (ended.length > 0) await this.news.userClientsEnded(userId);
    await this.announceEnded(ended, reason, by);
    return ended.length;
  }

  /** Ends the live clients opened for an application (API.md §13): one user's, or everyone's; returns how many. */
  async endForApplication(applicationId: string, reason: ClientEndReason, by: Actor, userId: string | null = null): Promise<number> {
    const ended = await this.clientsRepository.endForApplication({ ...this.ending(reason), applicationId, userId });
    for (const row of ended) await this.news.clientEnded(row.id);
    await this.announceEnded(ended, reason, by);
    return ended.length;
  }

  /** An application's live clients, newest first, at most `limit` (the admin's sessions per application). */
  listForApplication(applicationId: string, limit: number): Promise<Client[]> {
    return this.clients
      .createQueryBuilder('client')
      .where('client.application_id = :applicationId AND client.ended_at IS NULL AND client.expires_at > :now', {
        applicationId,
        now: this.clock.now(),
      })
      .orderBy('client.created_at', 'DESC')
      .addOrderBy('client.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** Ends every live client of the user (a password reset, a disabled user); returns how many. */
  endAll(userId: string, reason: ClientEndReason, by: Actor): Promise<number> {
    return this.endAllExcept(userId, '', reason, by);
  }

  /** The user's live clients' ids, read in the caller's transaction (one that deletes the user, which takes them along). */
  async live(userId: string, manager: EntityManager): Promise<EndedRow[]> {
    return manager
      .createQueryBuilder(Client, 'client')
      .select(['client.id AS id', 'client.user_id AS user_id', 'client.application_id AS application_id'])
      .where('client.user_id = :userId AND client.ended_at IS NULL AND client.expires_at > :now', { userId, now: this.clock.now() })
      .getRawMany<EndedRow>();
  }

  /**
   * Announces clients whose deadline passed (all, or the one a refresh found expired): each gets its
   * one session.ended the first time this finds it, by the service itself.
   */
  async announceExpired(clientId?: string): Promise<number> {
    const expired = await this.clientsRepository.markExpired(this.clock.now(), clientId);
    for (const row of expired)
      await this.events.emit('session.ended', row.user_id, { reason: row.end_reason, by: SYSTEM, ...ofApplication(row) }, row.id);
    return expired.length;
  }

  private ending(reason: ClientEndReason, origin?: Origin): EndValues {
    const by = origin ? recordedOrigin(origin) : { ip: null, userAgent: null };
    return { now: this.clock.now(), reason, ip: by.ip, userAgent: by.userAgent };
  }

  /** After the ending committed: one session.ended per ended client. */
  private async announceEnded(ended: EndedRow[], reason: ClientEndReason, by: Actor | undefined, origin?: Origin): Promise<void> {
    for (const row of ended) {
      const actor = by ?? { kind: 'user', userId: row.user_id, clientId: row.id };
      const data = { reason, by: actor, ...(origin && { origin: recordedOrigin(origin) }), ...ofApplication(row) };
      await this.events.emit('session.ended', row.user_id, data, row.id);
    }
  }

  /**
   * Announces newly expired clients, then deletes clients that ended or expired more than the
   * retention period ago (their spent tokens go with them). Idempotent, so several instances may run it at once.
   */
  async prune(): Promise<number> {
    await this.announceExpired();
    const cutoff = this.clock.now() - this.config.clientRetention * 1000;
    const result = await this.clients
      .createQueryBuilder()
      .delete()
      .from(Client)
      .where('expires_at <= :cutoff OR (ended_at IS NOT NULL AND ended_at <= :cutoff)', { cutoff })
      .execute();
    return result.affected ?? 0;
  }
}

/** The RFC 8176 kinds of proof: `mfa` is added when methods of two different kinds were used. */
const AMR_KINDS: Record<string, string> = { pwd: 'know', otp: 'have', hwk: 'have', swk: 'have', user: 'are', pin: 'know' };

/** The union of two amr lists, without `mfa`, and `mfa` when they hold two kinds of proof; space-separated. */
export function joinAmr(...lists: ReadonlyArray<readonly string[]>): string {
  const methods = [...new Set(lists.flat().filter((method) => method !== 'mfa' && method !== ''))];
  const kinds = new Set(methods.map((method) => AMR_KINDS[method] ?? method));
  return [...methods, ...(kinds.size >= 2 ? ['mfa'] : [])].join(' ');
}

/** session.ended names the application a client was opened for (API.md §13), so no reader needs the row. */
export function ofApplication(row: EndedRow): { application?: string } {
  return row.application_id ? { application: row.application_id } : {};
}
