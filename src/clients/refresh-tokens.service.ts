import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { parseRoles } from '../users/roles';
import { User } from '../users/user.entity';
import { SessionEventsService } from '../events';
import { CLIENTS_OPTIONS, type ClientsModuleOptions } from './clients.options';
import { Client } from './client.entity';
import { ClientStateCache } from './client-state.cache';
import { deadReason, isActive, Origin, recordedOrigin } from './client-rules';
import { ClientsRepository } from './clients.repository';
import { ClientsService } from './clients.service';
import { RefreshRejectedException } from './refresh-rejected.exception';
import { formatRefreshToken, hashSecret, newSecret, openSuccessor, parseRefreshToken, RefreshToken, sealSuccessor } from './refresh-token';

/** What a rotation returns: enough of the client to issue its tokens. */
export interface RotatedClient {
  client: Pick<Client, 'id' | 'userId' | 'expiresAt' | 'sessionExpiresAt' | 'authenticatedAt' | 'scope' | 'amr'>;
  refreshToken: string;
  /** The user's roles as the rotation read them. */
  roles: string[];
}

/** Rotation, reuse detection and rejection of refresh tokens. The lifecycle is in the README. */
@Injectable()
export class RefreshTokensService {
  constructor(
    @InjectRepository(Client) private readonly clients: Repository<Client>,
    private readonly clientsRepository: ClientsRepository,
    private readonly clientsService: ClientsService,
    private readonly cache: ClientStateCache,
    private readonly clock: Clock,
    @Inject(CLIENTS_OPTIONS) private readonly config: ClientsModuleOptions,
    private readonly events: SessionEventsService,
  ) {}

  /** Trades a refresh token for its successor, or throws RefreshRejectedException. */
  async rotate(token: string, origin: Origin): Promise<RotatedClient> {
    const parsed = parseRefreshToken(token);
    if (!parsed) throw new RefreshRejectedException('invalid');
    const presentedHash = hashSecret(parsed.secret);
    const successor = newSecret();
    const now = this.clock.now();
    const seen = recordedOrigin(origin);

    // The database decides who wins: of N concurrent rotations of one token, one UPDATE matches.
    const row = await this.clientsRepository.rotate({
      id: parsed.clientId,
      presentedHash,
      successorHash: hashSecret(successor),
      sealedSuccessor: sealSuccessor(parsed.secret, successor),
      now,
      idleDeadline: now + this.config.refreshIdleTtl * 1000,
      ip: seen.ip,
      userAgent: seen.userAgent,
    });
    if (row) {
      this.cache.forget(parsed.clientId); // its deadline moved
      await this.events.emit('session.refreshed', row.user_id, { origin: seen }, parsed.clientId);
      return {
        client: {
          id: parsed.clientId,
          userId: row.user_id,
          expiresAt: new Date(Number(row.expires_at)),
          sessionExpiresAt: new Date(Number(row.session_expires_at)),
          authenticatedAt: new Date(Number(row.authenticated_at)),
          scope: row.scope,
          amr: row.amr,
        },
        refreshToken: formatRefreshToken(parsed.clientId, successor),
        roles: parseRoles(row.roles),
      };
    }
    return this.explainFailedRotation(parsed, presentedHash, origin, now);
  }

  /**
   * The UPDATE matched nothing: either a retry within grace (answered with the same successor the
   * first request got), or reuse of a spent token (the client ends), or a dead or unknown token.
   */
  private async explainFailedRotation(parsed: RefreshToken, presentedHash: string, origin: Origin, now: number): Promise<RotatedClient> {
    const client = await this.clients.findOneBy({ id: parsed.clientId });
    if (!client) throw new RefreshRejectedException('invalid');
    const known = this.wasIssued(client, presentedHash);
    if (!known) throw new RefreshRejectedException('invalid');
    const dead = deadReason(client, now);
    if (dead) {
      if (client.endedAt === null && client.endReason === null) await this.clientsService.announceExpired(client.id); // its one session.ended
      throw new RefreshRejectedException(dead);
    }
    if (client.refreshTokenHash === presentedHash) {
      // Matched the live token yet lost the UPDATE: the client ended or expired in between.
      throw new RefreshRejectedException('revoked');
    }
    // Counted by the database's clock from the rotation's commit (a retry that waited out a stall is
    // still a retry); 0 turns the window off, even within the same millisecond.
    const withinGrace =
      this.config.refreshGrace > 0 &&
      client.previousRefreshTokenHash === presentedHash &&
      (await this.clientsRepository.rotatedWithinGrace(client.id, presentedHash, this.config.refreshGrace * 1000));
    const successor =
      withinGrace && client.sealedSuccessor && client.refreshTokenHash
        ? openSuccessor(parsed.secret, client.sealedSuccessor, client.refreshTokenHash)
        : null;
    if (successor !== null) {
      const user = await this.clients.manager.findOne(User, { where: { id: client.userId }, select: { id: true, roles: true } });
      return { client, refreshToken: formatRefreshToken(client.id, successor), roles: parseRoles(user?.roles) };
    }
    // The service ends it, not the presenter: they may be the thief or the victim.
    await this.clientsService.endById(client.id, 'reused', origin, { kind: 'system' });
    throw new RefreshRejectedException('reused');
  }

  /** Ends the token's client if the token was ever issued to it; silent otherwise (RFC 7009). */
  async reject(token: string, origin: Origin): Promise<void> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return;
    const client = await this.clients.findOneBy({ id: parsed.clientId });
    if (client && this.wasIssued(client, hashSecret(parsed.secret))) {
      await this.clientsService.endById(client.id, 'rejected', origin);
    }
  }

  /**
   * The client of a refresh token that was really issued and not yet replaced twice (the live one, or
   * the one just rotated away, which the grace window may still forgive); null for any other secret.
   * Reads, never rotates: a client id alone (the `sid` of any access token) learns nothing here.
   */
  async presented(token: string): Promise<Client | null> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return null;
    const client = await this.clients.findOneBy({ id: parsed.clientId });
    const hash = hashSecret(parsed.secret);
    return client && (client.refreshTokenHash === hash || client.previousRefreshTokenHash === hash) ? client : null;
  }

  /** The client whose live refresh token this is (for introspection); never rotates or counts as use. */
  async inspect(token: string): Promise<Client | null> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return null;
    const client = await this.clients.findOneBy({ id: parsed.clientId });
    if (!client || client.refreshTokenHash !== hashSecret(parsed.secret)) return null;
    return isActive(client, this.clock.now()) ? client : null;
  }

  /** The live token, or one of the last rotated-away ones: never a random secret for a known client id. */
  private wasIssued(client: Client, hash: string): boolean {
    if (client.refreshTokenHash === hash || client.previousRefreshTokenHash === hash) return true;
    for (let at = 0; at < client.recentSpentHashes.length; at += 64) {
      if (client.recentSpentHashes.slice(at, at + 64) === hash) return true;
    }
    return false;
  }
}
