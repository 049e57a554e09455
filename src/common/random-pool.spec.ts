import { pooledRandomBytes } from './random-pool';

describe('pooledRandomBytes', () => {
  it('hands out every byte once, across refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i += 1) {
      const bytes = pooledRandomBytes(32); // 32,000 bytes: the 4 KiB pool refills several times
      expect(bytes).toHaveLength(32);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(1000);
  });

  it('returns copies: a caller cannot see or change what others get', () => {
    const first = pooledRandomBytes(12);
    const kept = Buffer.from(first);
    first.fill(0);
    expect(pooledRandomBytes(12).equals(Buffer.alloc(12))).toBe(false);
    expect(kept.equals(Buffer.alloc(12))).toBe(false);
  });

  it('looks uniform: every byte value turns up across 256 KiB', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 8192; i += 1) for (const byte of pooledRandomBytes(32)) counts[byte] += 1;
    // 1,024 expected per value; a stuck or zeroed pool would leave values out or pile them up.
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1250);
  });

  it('refuses more than the pool holds', () => {
    expect(() => pooledRandomBytes(4097)).toThrow(RangeError);
  });
});
