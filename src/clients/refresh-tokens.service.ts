import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { authConfig } from '../config/configuration';
import { Client } from './client.entity';
import { ClientStateCache } from './client-state.cache';
import { ClientsService, isActive, OpenedClient, Origin, recordedOrigin } from './clients.service';
import { RefreshRejectedException } from './refresh-rejected.exception';
import {
  formatRefreshToken,
  hashSecret,
  newSecret,
  openSuccessor,
  parseRefreshToken,
  RefreshToken,
  sealSuccessor,
} from './refresh-token';
import { SpentRefreshToken } from './spent-refresh-token.entity';

/** Rotation, reuse detection and rejection of refresh tokens. The lifecycle is in the README. */
@Injectable()
export class RefreshTokensService {
  constructor(
    @InjectRepository(Client) private readonly clients: Repository<Client>,
    @InjectRepository(SpentRefreshToken) private readonly spent: Repository<SpentRefreshToken>,
    private readonly clientsService: ClientsService,
    private readonly cache: ClientStateCache,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /** Trades a refresh token for its successor, or throws RefreshRejectedException. */
  async rotate(token: string, origin: Origin): Promise<OpenedClient & { refreshToken: string }> {
    const parsed = parseRefreshToken(token);
    if (!parsed) throw new RefreshRejectedException('invalid');
    const presentedHash = hashSecret(parsed.secret);
    const successor = newSecret();
    const now = Date.now();

    // The database decides who wins: of N concurrent rotations of one token, one UPDATE matches.
    const result = await this.clients
      .createQueryBuilder()
      .update(Client)
      .set({
        refreshTokenHash: hashSecret(successor),
        previousRefreshTokenHash: presentedHash,
        sealedSuccessor: sealSuccessor(parsed.secret, successor),
        rotatedAt: new Date(now),
        lastUsedAt: new Date(now),
        // The new idle deadline, never past the absolute one. A parameter, not a literal: one SQL text, one prepared statement.
        expiresAt: () => 'CASE WHEN session_expires_at < :idleDeadline THEN session_expires_at ELSE :idleDeadline END',
        ...recordedOrigin(origin),
      })
      .where('id = :id AND refresh_token_hash = :presentedHash AND ended_at IS NULL AND expires_at > :now', {
        id: parsed.clientId,
        presentedHash,
        now,
      })
      .setParameter('idleDeadline', now + this.config.refreshIdleTtl * 1000)
      .execute();

    if (result.affected === 1) {
      this.cache.forget(parsed.clientId); // its deadline moved
      await this.spent
        .createQueryBuilder()
        .insert()
        .values({ hash: presentedHash, clientId: parsed.clientId, spentAt: new Date(now) })
        .orIgnore()
        .execute();
      const client = await this.clients.findOneByOrFail({ id: parsed.clientId });
      return { client, refreshToken: formatRefreshToken(client.id, successor) };
    }
    return this.explainFailedRotation(parsed, presentedHash, origin, now);
  }

  /**
   * The UPDATE matched nothing: either a retry within grace (answered with the same successor the
   * first request got), or reuse of a spent token (the client ends), or a dead or unknown token.
   */
  private async explainFailedRotation(
    parsed: RefreshToken,
    presentedHash: string,
    origin: Origin,
    now: number,
  ): Promise<OpenedClient & { refreshToken: string }> {
    const client = await this.clients.findOneBy({ id: parsed.clientId });
    if (!client) throw new RefreshRejectedException('invalid');
    const known = await this.wasIssued(client, presentedHash);
    if (!known) throw new RefreshRejectedException('invalid');
    if (client.endedAt !== null) throw new RefreshRejectedException(client.endReason === 'reused' ? 'reused' : 'revoked');
    if (client.expiresAt.getTime() <= now) {
      throw new RefreshRejectedException(client.sessionExpiresAt.getTime() <= now ? 'absolute_expired' : 'idle_expired');
    }
    if (client.refreshTokenHash === presentedHash) {
      // Matched the live token yet lost the UPDATE: the client ended or expired in between.
      throw new RefreshRejectedException('revoked');
    }
    const withinGrace =
      client.previousRefreshTokenHash === presentedHash &&
      client.rotatedAt !== null &&
      now - client.rotatedAt.getTime() <= this.config.refreshGrace * 1000;
    const successor = withinGrace && client.sealedSuccessor ? openSuccessor(parsed.secret, client.sealedSuccessor) : null;
    if (successor !== null && hashSecret(successor) === client.refreshTokenHash) {
      return { client, refreshToken: formatRefreshToken(client.id, successor) };
    }
    await this.clientsService.endById(client.id, 'reused', origin);
    throw new RefreshRejectedException('reused');
  }

  /** Ends the token's client if the token was ever issued to it; silent otherwise (RFC 7009). */
  async reject(token: string, origin: Origin): Promise<void> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return;
    const client = await this.clients.findOneBy({ id: parsed.clientId });
    if (client && (await this.wasIssued(client, hashSecret(parsed.secret)))) {
      await this.clientsService.endById(client.id, 'rejected', origin);
    }
  }

  /** The client whose live refresh token this is (for introspection); never rotates or counts as use. */
  async inspect(token: string): Promise<Client | null> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return null;
    const client = await this.clients.findOneBy({ id: parsed.clientId });
    if (!client || client.refreshTokenHash !== hashSecret(parsed.secret)) return null;
    return isActive(client, Date.now()) ? client : null;
  }

  private async wasIssued(client: Client, hash: string): Promise<boolean> {
    if (client.refreshTokenHash === hash || client.previousRefreshTokenHash === hash) return true;
    return this.spent.existsBy({ hash, clientId: client.id });
  }
}
