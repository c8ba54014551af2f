import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkedOutGrowth, emptyErrorCounts, poolVerdict, type ErrorCounts, type PoolSample, type VerdictInput } from './poolVerdict.js';

// ---------------------------------------------------------------------------------------------
// The verdict on synthetic samples
// ---------------------------------------------------------------------------------------------

/** Samples one second apart for two pools; `series[p]` is pool p's checked-out count per second. */
function samples(series: number[][], extra: Partial<PoolSample> = {}): PoolSample[] {
  const n = series[0]!.length;
  return Array.from({ length: n }, (_, k) => ({
    t: k + 1,
    threadsConnected: 50,
    own: 20,
    sleeping: 5,
    checkedOut: series.map((s) => s[k]!),
    open: series.map(() => 10),
    waiting: series.map(() => 0),
    ops: 1000,
    errors: 0,
    ...extra,
  }));
}

function input(s: PoolSample[], changes: Partial<VerdictInput> = {}): VerdictInput {
  return {
    poolSize: 10,
    processes: 2,
    maxConnections: 151,
    samples: s,
    afterDrain: { checkedOut: [0, 0], sleeping: 20 },
    errors: emptyErrorCounts(),
    ...changes,
  };
}

function errors(changes: Partial<ErrorCounts>): ErrorCounts {
  return { ...emptyErrorCounts(), ...changes };
}

test('checkedOutGrowth: to the limit, or steadily; a pool saturated from the start is not growth', () => {
  const cases: Array<{ name: string; ys: number[]; grew: boolean }> = [
    { name: 'saturated from the start', ys: [10, 10, 10, 10, 10], grew: false },
    { name: 'under-used, fluctuating', ys: [4, 6, 3, 5, 6, 4, 5], grew: false },
    { name: 'rises to the limit', ys: [3, 5, 7, 9, 10, 10], grew: true },
    { name: 'rises, but the last sample dropped from the limit', ys: [3, 5, 7, 9, 10, 8], grew: false },
    { name: 'steady growth below the limit', ys: [2, 3, 3, 4, 5, 6], grew: true },
    { name: 'small steady creep (< 2)', ys: [4, 4, 5, 5, 5, 5], grew: false },
    { name: 'too few samples', ys: [2, 10], grew: false },
  ];
  for (const c of cases) {
    const g = checkedOutGrowth(samples([c.ys]), 0, 10);
    assert.equal(g.grew, c.grew, c.name);
  }
});

test('poolVerdict on synthetic runs', () => {
  const full = [10, 10, 10, 10, 10];
  const cases: Array<{ name: string; input: VerdictInput; healthy: boolean; leak: boolean; leakCount?: number; failed: RegExp[] }> = [
    { name: 'saturated but healthy', input: input(samples([full, full])), healthy: true, leak: false, leakCount: 0, failed: [] },
    { name: 'under-used and healthy', input: input(samples([[4, 6, 3, 5, 6], [5, 5, 4, 6, 5]])), healthy: true, leak: false, failed: [] },
    {
      name: 'slow leak: checked out grows to the limit',
      input: input(samples([[2, 4, 6, 8, 10, 10], [3, 3, 4, 3, 3, 4]]), { afterDrain: { checkedOut: [10, 0], sleeping: 20 } }),
      healthy: false,
      leak: true,
      leakCount: 10,
      failed: [/grow/, /returned/],
    },
    {
      name: 'fast leak hidden by saturation: seen after the drain',
      input: input(samples([full, full]), { afterDrain: { checkedOut: [3, 4], sleeping: 20 } }),
      healthy: false,
      leak: true,
      leakCount: 7,
      failed: [/returned/],
    },
    {
      name: 'starved pool: at the limit, tasks waiting, nothing completes',
      input: input([...samples([full, full]).slice(0, 4), { ...samples([full, full])[4]!, ops: 0, waiting: [20, 0] }], {
        afterDrain: { checkedOut: [10, 0], sleeping: 20 },
        errors: errors({ 'pool-timeout': 20 }),
      }),
      healthy: false,
      leak: true,
      failed: [/returned/, /starved/, /errors/],
    },
    {
      name: '"gone away" is unhealthy but not a leak',
      input: input(samples([full, full]), { errors: errors({ 'connection-lost': 3 }) }),
      healthy: false,
      leak: false,
      failed: [/errors/],
    },
    {
      name: 'more sleeping connections than the pools hold',
      input: input(samples([full, full], { sleeping: 25 })),
      healthy: false,
      leak: true,
      failed: [/sleeping/],
    },
    {
      name: 'over the 80 % budget of max_connections',
      input: input(samples([full, full]), { maxConnections: 24 }),
      healthy: false,
      leak: false,
      failed: [/80 %/],
    },
    { name: 'max_connections unknown: no budget check', input: input(samples([full, full]), { maxConnections: null }), healthy: true, leak: false, failed: [] },
  ];
  for (const c of cases) {
    const v = poolVerdict(c.input);
    assert.equal(v.healthy, c.healthy, c.name);
    assert.equal(v.leak, c.leak, c.name);
    if (c.leakCount !== undefined) assert.equal(v.leakCount, c.leakCount, c.name);
    const failed = v.findings.filter((f) => !f.ok).map((f) => f.check);
    assert.equal(failed.length, c.failed.length, `${c.name}: ${failed.join('; ')}`);
    for (const pattern of c.failed) assert.ok(failed.some((f) => pattern.test(f)), `${c.name}: ${pattern} in ${failed.join('; ')}`);
  }
  const budget = poolVerdict(input(samples([full, full]))).findings.find((f) => /max_connections/.test(f.check))!;
  assert.equal(budget.detail, '2 × 10 = 20 < 121 (80 % of 151)');
});

