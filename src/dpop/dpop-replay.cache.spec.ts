import { Clock } from '../common/clock';
import type { RedisService } from '../redis/redis.service';
import { DpopReplayCache } from './dpop-replay.cache';

class TestClock extends Clock {
  at = Date.UTC(2026, 11, 7, 12, 0, 0);
  override now(): number {
    return this.at;
  }
}

const noRedis = { client: null } as unknown as RedisService;

describe('DpopReplayCache: a jti once per proof lifetime', () => {
  it('refuses a replayed jti of the same key, not the same jti of another key', async () => {
    const clock = new TestClock();
    const cache = new DpopReplayCache(noRedis, clock);
    const iat = clock.at / 1000;
    await expect(cache.firstUse('key-a', 'jti-1', iat)).resolves.toBe(true);
    await expect(cache.firstUse('key-a', 'jti-1', iat)).resolves.toBe(false);
    await expect(cache.firstUse('key-b', 'jti-1', iat)).resolves.toBe(true);
  });

  it('remembers it for as long as the proof could be accepted (iat + 2 windows), no longer', async () => {
    const clock = new TestClock();
    const cache = new DpopReplayCache(noRedis, clock);
    const iat = clock.at / 1000;
    await cache.firstUse('key-a', 'jti-1', iat);
    clock.at += 119_000;
    await expect(cache.firstUse('key-a', 'jti-1', iat)).resolves.toBe(false);
    clock.at += 2_000;
    await expect(cache.firstUse('key-a', 'jti-1', iat)).resolves.toBe(true);
  });

  it('with Redis: one SET NX PX decides; a Redis that fails falls back to memory', async () => {
    const seen = new Set<string>();
    const set = jest.fn(async (key: string, _v: string, _px: string, ttl: number, _nx: string) => {
      expect(ttl).toBeGreaterThan(0);
      if (seen.has(key)) return null;
      seen.add(key);
      return 'OK';
    });
    const redis = { client: { set }, key: (name: string) => `prefix:${name}` } as unknown as RedisService;
    const cache = new DpopReplayCache(redis, new TestClock());
    await expect(cache.firstUse('k', 'j', Date.UTC(2026, 11, 7, 12) / 1000)).resolves.toBe(true);
    await expect(cache.firstUse('k', 'j', Date.UTC(2026, 11, 7, 12) / 1000)).resolves.toBe(false);
    expect(set.mock.calls[0][0]).toMatch(/^prefix:dpop:jti:/);

    set.mockRejectedValue(new Error('down'));
    await expect(cache.firstUse('k', 'j2', Date.UTC(2026, 11, 7, 12) / 1000)).resolves.toBe(true);
    await expect(cache.firstUse('k', 'j2', Date.UTC(2026, 11, 7, 12) / 1000)).resolves.toBe(false);
  });
});
