import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-body';

describe('nestsDeeperThan', () => {
  const objects = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: objects(depth - 1) });
  const arrays = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;

  it('counts the body itself as level 1, objects and arrays alike', () => {
    expect(nestsDeeperThan(objects(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(objects(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan(arrays(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(arrays(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan({ a: [1, { b: [] }], c: 'x' }, 4)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: [] }], c: 'x' }, 3)).toBe(true);
  });

  it('takes scalars and null, and a million levels without overflowing', () => {
    for (const value of ['text', 42, null, true]) expect(nestsDeeperThan(value, 1)).toBe(false);
    let deep: unknown = [];
    for (let i = 0; i < 1_000_000; i += 1) deep = [deep];
    expect(nestsDeeperThan(deep, MAX_JSON_DEPTH)).toBe(true);
  });
});
