import { randomFillSync } from 'node:crypto';

/*
 * Random bytes for the hot path (a secret per refresh). A randomBytes() call per token costs more
 * than the bytes (docs/benchmarks.md); so, as Node does for randomUUID(), bytes are drawn from the
 * same CSPRNG 4 KiB at a time. Every byte is handed out once
 * and wiped from the pool as it is.
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;

export function pooledRandomBytes(size: number): Buffer {
  if (size > pool.length) throw new RangeError(`at most ${pool.length} random bytes at a time`);
  if (offset + size > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return bytes;
}
