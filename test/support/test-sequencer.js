'use strict';
/*
 * jest's order, with a better guess for files it has no timing of. jest runs the longest files first, so that
 * no worker is left with a long one at the end; but on a fresh clone it knows no durations and orders by file
 * size, and the CLI tests (short files that start a dozen processes each) came last. A file without a
 * recorded duration gets an estimate from what it starts: processes (the CLI, server processes) and browsers
 * cost seconds each. Two files of the same heavy kind are not handed out one after the other when another
 * kind is waiting: a dozen CLI processes booting at once on two cores starve each other.
 */
const { readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

const KINDS = [
  ['browser', /\bchromium\.launch\(/g, 15_000],
  ['processes', /\b(runCli|startServerProcess|spawnSync|spawn)\(|\bcli\(\[|\brun\(process\.execPath/g, 2_000],
];
const PER_TEST = 150;

/** The estimated duration of a file (ms) and the kind of work that dominates it. */
function estimate(path) {
  let source;
  try {
    source = readFileSync(path, 'utf8');
  } catch {
    return { ms: 0, kind: null };
  }
  let ms = 1_000 + (source.match(/\bit\(/g)?.length ?? 0) * PER_TEST;
  let kind = null;
  let heaviest = 0;
  for (const [name, pattern, cost] of KINDS) {
    const spent = (source.match(pattern)?.length ?? 0) * cost;
    ms += spent;
    if (spent > heaviest) [kind, heaviest] = [name, spent];
  }
  return { ms, kind };
}

class EstimatingSequencer extends Sequencer {
  sort(tests) {
    const known = new Map();
    for (const test of tests) {
      test.duration = this.time(test);
      const guess = estimate(test.path);
      known.set(test, { failed: this.hasFailed(test), ms: test.duration ?? guess.ms, kind: guess.kind });
    }
    const rest = [...tests].sort((a, b) => Number(known.get(b).failed) - Number(known.get(a).failed) || known.get(b).ms - known.get(a).ms);
    const order = [];
    while (rest.length > 0) {
      const previous = order.length > 0 ? known.get(order[order.length - 1]).kind : null;
      const next = previous === null ? 0 : rest.findIndex((test) => known.get(test).kind !== previous);
      order.push(...rest.splice(Math.max(next, 0), 1));
    }
    return order;
  }
}

module.exports = EstimatingSequencer;
