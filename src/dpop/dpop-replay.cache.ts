import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import { Clock } from '../common/clock';
import { RedisService } from '../redis/redis.service';
import { DPOP_IAT_WINDOW_SECONDS } from './dpop-proof';

/** Proofs remembered in memory at most (without Redis); the oldest go first, and they are the nearest to expiry. */
const MEMORY_MAX_ENTRIES = 100_000;

/**
 * Each proof's jti is accepted once for as long as the proof itself would be (RFC 9449 §11.1): its
 * iat plus the window, plus the window again for clocks ahead of ours. With Redis, one SET NX PX
 * decides across instances; without it (or while Redis cannot answer) an in-process LRU does, which
 * holds for one instance.
 */
@Injectable()
export class DpopReplayCache {
  private readonly logger = new Logger(DpopReplayCache.name);
  private readonly memory: LRUCache<string, true>;

  constructor(
    private readonly redis: RedisService,
    private readonly clock: Clock,
  ) {
    this.memory = new LRUCache({ max: MEMORY_MAX_ENTRIES, ttlResolution: 0, perf: { now: () => this.clock.now() } });
  }

  /** True the first time this key's jti is seen within its lifetime, false on any later time. */
  async firstUse(jkt: string, jti: string, iat: number): Promise<boolean> {
    // Per key: a jti chosen by one device cannot burn another's. Hashed: the jti is the client's text.
    const id = createHash('sha256').update(`${jkt}.${jti}`).digest('base64url');
    const ttl = Math.max(1000, Math.ceil((iat + 2 * DPOP_IAT_WINDOW_SECONDS) * 1000 - this.clock.now()));
    const redis = this.redis.client;
    if (redis) {
      try {
        return (await redis.set(this.redis.key(`dpop:jti:${id}`), '1', 'PX', ttl, 'NX')) === 'OK';
      } catch (error) {
        this.logger.warn(`Redis unavailable for the DPoP replay cache, using memory: ${(error as Error).message}`);
      }
    }
    if (this.memory.has(id)) return false;
    this.memory.set(id, true, { ttl });
    return true;
  }
}
