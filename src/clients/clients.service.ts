import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { authConfig } from '../config/configuration';
import { Client, ClientEndReason } from './client.entity';
import { formatRefreshToken, hashSecret, newSecret } from './refresh-token';

/** Where a request came from, as recorded on the client it opens or uses. */
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

@Injectable()
export class ClientsService {
  constructor(
    @InjectRepository(Client) private readonly clients: Repository<Client>,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /** Every login opens a client; a permanent one gets its first refresh token. */
  async open(userId: string, permanent: boolean, origin: Origin): Promise<OpenedClient> {
    const now = Date.now();
    const sessionExpiresAt = now + (permanent ? this.config.refreshAbsoluteTtl : this.config.accessTtl) * 1000;
    const expiresAt = permanent ? Math.min(now + this.config.refreshIdleTtl * 1000, sessionExpiresAt) : sessionExpiresAt;
    const secret = permanent ? newSecret() : null;
    const client = this.clients.create({
      id: randomUUID(),
      userId,
      permanent,
      refreshTokenHash: secret && hashSecret(secret),
      previousRefreshTokenHash: null,
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
    await this.clients.insert(client);
    return { client, refreshToken: secret && formatRefreshToken(client.id, secret) };
  }

  /** The client if it has neither ended nor expired; what the access-token guard asks. */
  async findActive(clientId: string): Promise<Client | null> {
    const client = await this.clients.findOneBy({ id: clientId });
    return client && isActive(client, Date.now()) ? client : null;
  }

  /** The user's live clients, newest first. */
  listActive(userId: string): Promise<Client[]> {
    return this.clients
      .createQueryBuilder('client')
      .where('client.user_id = :userId AND client.ended_at IS NULL AND client.expires_at > :now', { userId, now: Date.now() })
      .orderBy('client.created_at', 'DESC')
      .addOrderBy('client.id', 'DESC')
      .getMany();
  }

  /** Ends one live client of the user; 404 when it is not theirs, unknown or already over. */
  async end(userId: string, clientId: string, reason: ClientEndReason, origin?: Origin): Promise<void> {
    const ended = await this.endWhere('id = :clientId AND user_id = :userId', { clientId, userId }, reason, origin);
    if (ended === 0) throw new NotFoundException('Client not found');
  }

  /** Ends every live client of the user but one ("log out other devices"); returns how many. */
  endAllExcept(userId: string, keepClientId: string, reason: ClientEndReason): Promise<number> {
    return this.endWhere('user_id = :userId AND id <> :keepClientId', { userId, keepClientId }, reason);
  }

  /**
   * One conditional UPDATE: only clients still live are touched, so ending is idempotent and a
   * concurrent refresh either lands before it (and its tokens die with the client) or finds it ended.
   */
  async endWhere(condition: string, parameters: Record<string, unknown>, reason: ClientEndReason, origin?: Origin): Promise<number> {
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
      .where(`${condition} AND ended_at IS NULL AND expires_at > :now`, { ...parameters, now })
      .execute();
    return result.affected ?? 0;
  }
}

export function isActive(client: Pick<Client, 'endedAt' | 'expiresAt'>, now: number): boolean {
  return client.endedAt === null && client.expiresAt.getTime() > now;
}
