import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Brackets, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { CLIENTS_OPTIONS, type ClientsModuleOptions } from './clients.options';
import type { User } from '../users/user.entity';
import { Client, ClientEndReason } from './client.entity';
import { ClientState, isActive, Origin, recordedOrigin } from './client-rules';
import { ClientStateCache } from './client-state.cache';
import { ClientsRepository } from './clients.repository';
import { formatRefreshToken, hashSecret, isClientId, newSecret } from './refresh-token';
import { RevocationNews } from './revocation-news.service';

export interface OpenedClient {
  client: Client;
  /** Only for a permanent client; exists in this return value and in the response, nowhere else. */
  refreshToken: string | null;
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
    private readonly statements: ClientsRepository,
    private readonly cache: ClientStateCache,
    private readonly news: RevocationNews,
    private readonly clock: Clock,
    @Inject(CLIENTS_OPTIONS) private readonly config: ClientsModuleOptions,
  ) {}

  /**
   * Every login opens a client; a permanent one gets its first refresh token. Null, and no client,
   * when the user's password changed after `user.passwordChangedAt` (the one the login checked).
   * Past AUTH_MAX_CLIENTS_PER_USER, the user's least recently used clients end (reason `limit`).
   */
  async open(user: Pick<User, 'id' | 'passwordChangedAt'>, permanent: boolean, origin: Origin): Promise<OpenedClient | null> {
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
      lastUsedAt: new Date(now),
      expiresAt: new Date(expiresAt),
      sessionExpiresAt: new Date(sessionExpiresAt),
      endedAt: null,
      endReason: null,
      ...recordedOrigin(origin),
      endedByIp: null,
      endedByUserAgent: null,
    });
    const inserted = await this.statements.insert({
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
    });
    if (!inserted) return null;
    const ended = await this.statements.endBeyondCap(userId, this.config.maxClientsPerUser, now);
    for (const id of ended) await this.news.clientEnded(id);
    return { client, refreshToken: secret && formatRefreshToken(client.id, secret) };
  }

  /** The client's state for the access-token guard, from the cache when it is fresh enough. */
  async state(clientId: string): Promise<ClientState | null> {
    const cached = this.cache.get(clientId, this.clock.now());
    if (cached) return cached;
    const ticket = this.cache.ticket(); // an ending announced while this read runs wins over it
    const state = await this.clients.findOne({
      where: { id: clientId },
      select: { id: true, userId: true, permanent: true, endedAt: true, endReason: true, expiresAt: true, sessionExpiresAt: true },
    });
    if (state) this.cache.set(state, this.clock.now(), ticket);
    return state;
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
    const query = this.listQuery(userId, options.includeEnded ?? false);
    if (options.cursor !== undefined) {
      const after = decodeCursor(options.cursor);
      if (!after) throw new BadRequestException('cursor is not one this server gave out');
      query.andWhere('(client.created_at < :createdAt OR (client.created_at = :createdAt AND client.id < :id))', after);
    }
    const rows = await query.take(options.limit + 1).getMany();
    const clients = rows.slice(0, options.limit);
    const last = clients.at(-1);
    return { clients, nextCursor: rows.length > options.limit && last ? encodeCursor(last) : null };
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

  /** Ends one live client of the user; 404 when it is not theirs, unknown, malformed or already over. */
  async end(userId: string, clientId: string, reason: ClientEndReason, origin?: Origin): Promise<void> {
    if (!isClientId(clientId)) throw new NotFoundException('Client not found'); // never reaches the database
    const ended = await this.endWhere(
      new Brackets((q) => q.where('id = :clientId AND user_id = :userId', { clientId, userId })),
      reason,
      origin,
    );
    if (ended === 0) throw new NotFoundException('Client not found');
    await this.news.clientEnded(clientId);
  }

  /** Ends a client whoever it belongs to (reject, reuse detection); idempotent. */
  async endById(clientId: string, reason: ClientEndReason, origin: Origin): Promise<void> {
    const ended = await this.endWhere(new Brackets((q) => q.where('id = :clientId', { clientId })), reason, origin);
    if (ended > 0) await this.news.clientEnded(clientId);
  }

  /** Ends every live client of the user but one ("log out other devices"); returns how many. */
  async endAllExcept(userId: string, keepClientId: string, reason: ClientEndReason): Promise<number> {
    const ended = await this.endWhere(
      new Brackets((q) => q.where('user_id = :userId AND id <> :keepClientId', { userId, keepClientId })),
      reason,
    );
    if (ended > 0) await this.news.userClientsEnded(userId);
    return ended;
  }

  /**
   * One conditional UPDATE: only clients still live are touched, so ending is idempotent, and a
   * concurrent refresh either lands before it (its tokens die with the client) or finds it ended.
   */
  private async endWhere(condition: Brackets, reason: ClientEndReason, origin?: Origin): Promise<number> {
    const now = this.clock.now();
    const result = await this.clients
      .createQueryBuilder()
      .update(Client)
      .set({
        endedAt: new Date(now),
        endReason: reason,
        sealedSuccessor: null,
        ...(origin && { endedByIp: recordedOrigin(origin).ip, endedByUserAgent: recordedOrigin(origin).userAgent }),
      })
      .where(condition)
      .andWhere('ended_at IS NULL AND expires_at > :now', { now })
      .execute();
    return result.affected ?? 0;
  }

  /**
   * Deletes clients that ended or expired more than the retention period ago (their spent tokens go
   * with them). One idempotent DELETE, so several instances may run it at once.
   */
  async prune(): Promise<number> {
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

/** base64url of `<createdAt ms>.<id>`: opaque to callers, checked strictly when it comes back. */
function encodeCursor(client: Client): string {
  return Buffer.from(`${client.createdAt.getTime()}.${client.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } | null {
  const match = /^(\d{1,15})\.(.+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match && isClientId(match[2]) ? { createdAt: Number(match[1]), id: match[2] } : null;
}
