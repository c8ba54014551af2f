import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blocksForTarget, formatPaired, pairedDiff, type BlockRun } from './paired.js';

/** A B B A blocks: A at `a`, B at `a × (1 + effect)`, both moved by the same linear drift. */
function abba(blocks: number, effect: number, noise: (i: number) => number, drift = 0): BlockRun[] {
  const runs: BlockRun[] = [];
  let t = 0;
  for (let block = 1; block <= blocks; block++) {
    for (const label of ['A', 'B', 'B', 'A']) {
      const base = 1000 + drift * t++;
      runs.push({ block, label, value: (label === 'B' ? base * (1 + effect) : base) + noise(t) });
    }
  }
  return runs;
}

test('a linear drift cancels within A B B A blocks: the effect comes out exactly, with no spread', () => {
  const diff = pairedDiff(abba(3, 0, () => 0, 50), 'A', 'B');
  assert.equal(diff.n, 3);
  for (const d of diff.blockDiffsPct) assert.ok(Math.abs(d) < 1e-9, `block difference ${d}`);
  assert.equal(diff.significant, false);
});

test('a 5 % effect under alternating noise is found, with its interval and the smallest detectable effect', () => {
  const noise = (i: number): number => (i % 3 === 0 ? 8 : -4);
  const diff = pairedDiff(abba(6, 0.05, noise), 'A', 'B');
  assert.equal(diff.n, 6);
  assert.ok(Math.abs(diff.changePct - 5) < 1.5, `change ${diff.changePct}`);
  assert.ok(diff.significant);
  assert.ok(diff.ciPct!.lo > 0 && diff.ciPct!.hi > diff.changePct);
  assert.ok(diff.detectablePct! > diff.halfWidthPct!, 'at 80 % power the detectable effect exceeds the half-width');
  assert.match(formatPaired(diff), /^\+\d\.\d % \[\+\d\.\d %, \+\d\.\d %\]$/);
});

test('one block gives an estimate and no interval; a missing side leaves its block out', () => {
  const one = pairedDiff([{ block: 1, label: 'A', value: 100 }, { block: 1, label: 'B', value: 110 }, { block: 2, label: 'A', value: 100 }], 'A', 'B');
  assert.equal(one.n, 1);
  assert.equal(one.ciPct, null);
  assert.equal(formatPaired(one), '+10 % (1 block: no interval)');
  assert.equal(blocksForTarget(one, 3), null);
});

test('blocks for a target: more blocks the narrower the target, the current count when already narrow enough', () => {
  const noise = (i: number): number => [5, -3, 8, -6, 2, 7, -9, 4, -1, 6, -4, 3][(i - 1) % 12]!;
  const diff = pairedDiff(abba(3, 0, noise), 'A', 'B');
  assert.ok(diff.halfWidthPct! > 0.5);
  const wide = blocksForTarget(diff, diff.halfWidthPct! + 0.01);
  assert.equal(wide, 3);
  const narrow = blocksForTarget(diff, diff.halfWidthPct! / 3)!;
  assert.ok(narrow > 3, `${narrow} blocks for a third of the half-width`);
  assert.ok(blocksForTarget(diff, diff.halfWidthPct! / 2)! < narrow);
});
