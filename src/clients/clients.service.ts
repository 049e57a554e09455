import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Brackets, Repository } from 'typeorm';
import { authConfig } from '../config/configuration';
import type { User } from '../users/user.entity';
import { SqlStatement } from '../database/sql-statement';
import { Client, ClientEndReason } from './client.entity';
import { ClientState, ClientStateCache } from './client-state.cache';
import { RevocationNews } from './revocation-news.service';
import { formatRefreshToken, hashSecret, newSecret } from './refresh-token';

/** Where a request came from, as recorded on the client it opens, uses or ends. */
export interface Origin {
  ip: string | null;
  userAgent: string | null;
}

export interface OpenedClient {
  client: Client;
  /** Only for a permanent client; exists in this return value and in the response, nowhere else. */
  refreshToken: string | null;
}

export function recordedOrigin(origin: Origin): Pick<Client, 'ip' | 'userAgent'> {
  return { ip: origin.ip?.slice(0, 64) ?? null, userAgent: origin.userAgent?.slice(0, 512) ?? null };
}

export function isActive(client: Pick<Client, 'endedAt' | 'expiresAt'>, now: number): boolean {
  return client.endedAt === null && client.expiresAt.getTime() > now;
}

/** Why a client's tokens no longer work, in the words of the 401 `reason`; null while it is live. */
export type DeadClientReason = 'reused' | 'revoked' | 'expired' | 'idle_expired' | 'absolute_expired';

export function deadReason(client: ClientState, now: number): DeadClientReason | null {
  if (client.endedAt !== null) return client.endReason === 'reused' ? 'reused' : 'revoked';
  if (client.expiresAt.getTime() > now) return null;
  if (!client.permanent) return 'expired'; // a non-permanent client ends with its access token
  return client.sessionExpiresAt.getTime() <= now ? 'absolute_expired' : 'idle_expired';
}

/** How ended clients are shown: the stored reason, or which deadline passed. */
export type ClientEnding = ClientEndReason | 'idle' | 'absolute' | 'expired';

export function endingOf(client: Client): ClientEnding | null {
  if (client.endReason) return client.endReason;
  if (client.endedAt !== null || client.expiresAt.getTime() > Date.now()) return null;
  if (!client.permanent) return 'expired';
  return client.expiresAt.getTime() >= client.sessionExpiresAt.getTime() ? 'absolute' : 'idle';
}

/**
 * The INSERT of every login (hand-written, see SqlStatement), made only while the user's password is
 * still the one the login checked: a password change that ran meanwhile has ended every other client
 * already, or is about to, and this one must not slip through. On PostgreSQL the user row is locked
 * FOR SHARE, so a concurrent change waits for this INSERT (and then ends its client) or this INSERT
 * sees the change; on SQLite the statement's write lock covers its read. Columns left out start NULL
 * or ''. The casts tell PostgreSQL the types of parameters that do not go straight into a column.
 */
const INSERT = `INSERT INTO clients
  (id, user_id, permanent, refresh_token_hash, created_at, last_used_at, expires_at, session_expires_at, ip, user_agent)
  SELECT :id, id, CAST(:permanent AS BOOLEAN), :refreshTokenHash, CAST(:now AS BIGINT), CAST(:now AS BIGINT),
    CAST(:expiresAt AS BIGINT), CAST(:sessionExpiresAt AS BIGINT), :ip, :userAgent
  FROM users WHERE id = :userId AND password_changed_at = :passwordChangedAt`;
const INSERT_PARAMETERS = [
  'id',
  'userId',
  'passwordChangedAt',
  'permanent',
  'refreshTokenHash',
  'now',
  'expiresAt',
  'sessionExpiresAt',
  'ip',
  'userAgent',
] as const;

@Injectable()
export class ClientsService {
  private readonly insertStatement: SqlStatement<(typeof INSERT_PARAMETERS)[number]>;

  constructor(
    @InjectRepository(Client) private readonly clients: Repository<Client>,
    private readonly cache: ClientStateCache,
    private readonly news: RevocationNews,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {
    const lock = clients.manager.connection.options.type === 'postgres' ? ' FOR SHARE' : '';
    this.insertStatement = new SqlStatement(clients.manager, `${INSERT}${lock} RETURNING id`, INSERT_PARAMETERS);
  }

  /**
   * Every login opens a client; a permanent one gets its first refresh token. Null, and no client,
   * when the user's password changed after `user.passwordChangedAt` (the one the login checked).
   */
  async open(user: Pick<User, 'id' | 'passwordChangedAt'>, permanent: boolean, origin: Origin): Promise<OpenedClient | null> {
    const userId = user.id;
    const now = Date.now();
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
    const inserted = await this.insertStatement.rows({
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
    if (inserted.length === 0) return null;
    return { client, refreshToken: secret && formatRefreshToken(client.id, secret) };
  }

  /** The client's state for the access-token guard, from the cache when it is fresh enough. */
  async state(clientId: string): Promise<ClientState | null> {
    const now = Date.now();
    const cached = this.cache.get(clientId, now);
    if (cached) return cached;
    const state = await this.clients.findOne({
      where: { id: clientId },
      select: { id: true, userId: true, permanent: true, endedAt: true, endReason: true, expiresAt: true, sessionExpiresAt: true },
    });
    if (state) this.cache.set(state, now);
    return state;
  }

  /** The client if it has neither ended nor expired. */
  async findActive(clientId: string): Promise<ClientState | null> {
    const state = await this.state(clientId);
    return state && isActive(state, Date.now()) ? state : null;
  }

  /** The user's live clients, newest first; with `includeEnded`, also those that ended within the retention period. */
  list(userId: string, includeEnded = false): Promise<Client[]> {
    const now = Date.now();
    const query = this.clients.createQueryBuilder('client').where('client.user_id = :userId', { userId });
    if (includeEnded) {
      const since = now - this.config.clientRetention * 1000;
      query.andWhere('((client.ended_at IS NULL AND client.expires_at > :since) OR client.ended_at > :since)', { since });
    } else {
      query.andWhere('client.ended_at IS NULL AND client.expires_at > :now', { now });
    }
    return query.orderBy('client.created_at', 'DESC').addOrderBy('client.id', 'DESC').getMany();
  }

  /** Ends one live client of the user; 404 when it is not theirs, unknown or already over. */
  async end(userId: string, clientId: string, reason: ClientEndReason, origin?: Origin): Promise<void> {
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
    const now = Date.now();
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
    const cutoff = Date.now() - this.config.clientRetention * 1000;
    const result = await this.clients
      .createQueryBuilder()
      .delete()
      .from(Client)
      .where('expires_at <= :cutoff OR (ended_at IS NOT NULL AND ended_at <= :cutoff)', { cutoff })
      .execute();
    return result.affected ?? 0;
  }
}
