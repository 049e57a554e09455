import { Injectable } from '@nestjs/common';
import { RedisService } from '../redis/redis.service';

export interface Window {
  count: number;
  /** Milliseconds until the window closes. */
  resetIn: number;
}

/** Bounds memory under a flood of distinct keys; the oldest windows go first. */
const MAX_LOCAL_WINDOWS = 100_000;

/** INCR, and start the window's clock on its first hit: atomic in Redis. */
const INCREMENT = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`;

/**
 * Fixed-window counters for rate limits. With REDIS_URL they are shared by every instance; while
 * Redis is unreachable each instance counts on its own: limits loosen by the number of instances,
 * they never switch off, and nobody is locked out because Redis is down.
 */
@Injectable()
export class WindowCounters {
  private readonly local = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly redis: RedisService) {}

  async read(keys: string[]): Promise<Window[]> {
    const redis = this.redis.client;
    if (redis) {
      try {
        const pipeline = redis.pipeline();
        for (const key of keys) pipeline.get(this.redis.key(key)).pttl(this.redis.key(key));
        const results = (await pipeline.exec()) ?? [];
        if (results.length === keys.length * 2 && results.every(([error]) => !error)) {
          return keys.map((_, i) => ({ count: Number(results[2 * i][1] ?? 0), resetIn: Math.max(Number(results[2 * i + 1][1]), 0) }));
        }
      } catch {
        // Redis unreachable: read the local counters.
      }
    }
    const now = Date.now();
    return keys.map((key) => {
      const window = this.local.get(key);
      return window && window.resetAt > now ? { count: window.count, resetIn: window.resetAt - now } : { count: 0, resetIn: 0 };
    });
  }

  /** Counts one hit on each key; returns the counts after it. */
  async increment(keys: string[], windowMs: number): Promise<number[]> {
    const redis = this.redis.client;
    if (redis) {
      try {
        return (await Promise.all(keys.map((key) => redis.eval(INCREMENT, 1, this.redis.key(key), windowMs)))) as number[];
      } catch {
        // Redis unreachable: count here instead.
      }
    }
    return keys.map((key) => this.incrementLocally(key, windowMs));
  }

  private incrementLocally(key: string, windowMs: number): number {
    const now = Date.now();
    const window = this.local.get(key);
    if (window && window.resetAt > now) return (window.count += 1);
    this.local.delete(key);
    if (this.local.size >= MAX_LOCAL_WINDOWS) this.local.delete(this.local.keys().next().value as string);
    this.local.set(key, { count: 1, resetAt: now + windowMs });
    return 1;
  }
}
