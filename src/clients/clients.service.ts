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

export interface ReauthenticatedClient {
  client: Pick<Client, 'id' | 'userId' | 'expiresAt' | 'authenticatedAt' | 'scope' | 'amr'>;
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
    scope: string | null = null,
    amr = 'pwd',
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
      authenticatedAt: new Date(now),
      lastUsedAt: new Date(now),
      expiresAt: new Date(expiresAt),
      sessionExpiresAt: new Date(sessionExpiresAt),
      endedAt: null,
      endReason: null,
      ...recordedOrigin(origin),
      endedByIp: null,
      endedByUserAgent: null,
      scope,
      amr,
    });
    const inserted = await this.clientsRepository.insert({
      id: client.id,
      userId,
      passwordChangedAt: user.passwordChangedAt.getTime(),
      permanent,
      refreshTokenHash: client.refreshTokenHash,
      now,
      expiresAt,
      sessionExpiresAt,
      ip: client.ip,
      userAgent: client.userAgent,
      scope,
      amr,
    });
    if (!inserted) return null;
    await this.events.emit('session.created', userId, { permanent, origin: recordedOrigin(origin) }, client.id);
    const ended = await this.clientsRepository.endBeyondCap(userId, this.config.maxClientsPerUser, now);
    for (const id of ended) await this.news.clientEnded(id);
    // The user's new login pushed them out.
    const by: Actor = { kind: 'user', userId, clientId: client.id };
    for (const id of ended) await this.events.emit('session.ended', userId, { reason: 'limit', by }, id);
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
    const { items, nextCursor } = keysetPage(await query.getMany(), options.limit, (client) => ({ at: client.createdAt, id: client.id }));
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

  /** Ends every live client of the user (a password reset, a disabled user); returns how many. */
  endAll(userId: string, reason: ClientEndReason, by: Actor): Promise<number> {
    return this.endAllExcept(userId, '', reason, by);
  }

  /** The user's live clients' ids, read in the caller's transaction (one that deletes the user, which takes them along). */
  async liveIds(userId: string, manager: EntityManager): Promise<string[]> {
    const rows = await manager
      .createQueryBuilder(Client, 'client')
      .select('client.id', 'id')
      .where('client.user_id = :userId AND client.ended_at IS NULL AND client.expires_at > :now', { userId, now: this.clock.now() })
      .getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  /**
   * Announces clients whose deadline passed (all, or the one a refresh found expired): each gets its
   * one session.ended the first time this finds it, by the service itself.
   */
  async announceExpired(clientId?: string): Promise<number> {
    const expired = await this.clientsRepository.markExpired(this.clock.now(), clientId);
    for (const row of expired) await this.events.emit('session.ended', row.user_id, { reason: row.end_reason, by: SYSTEM }, row.id);
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
      await this.events.emit('session.ended', row.user_id, { reason, by: actor, ...(origin && { origin: recordedOrigin(origin) }) }, row.id);
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
