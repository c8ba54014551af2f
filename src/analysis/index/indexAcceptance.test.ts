import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptance, formatAcceptance, type Measurement, type QueryMeasure } from './indexAcceptance.js';

function measurement(medians: number[], okCount: number, missing: number, rowsPerSec: number | null): Measurement {
  const queries: QueryMeasure[] = medians.map((m, k) => ({
    query: { sql: `SELECT ${k}`, line: k + 1 },
    explain: { access: '', fullScan: k >= okCount, keys: [], ok: k < okCount, reason: '' },
    medianMs: m,
    p95Ms: m,
    runs: 20,
  }));
  return {
    indexes: [],
    missing,
    queries,
    writes: rowsPerSec === null ? null : { rows: rowsPerSec * 10, seconds: 10, rowsPerSec, perSecond: [], latencyMs: { p50: 1, p95: 1, p99: 1, max: 1, mean: 1 }, retries: 0, errors: 0, errorsByCode: {}, connections: 4, target: 'scratch' },
  };
}

test('acceptance: the guide\'s thresholds (≥ 50 % faster, < 10 % write loss, 0 missing, EXPLAIN)', () => {
  const cases: Array<{ name: string; before: Measurement; after: Measurement | null; results: string[]; accepted: boolean }> = [
    { name: 'all pass', before: measurement([10, 10], 0, 2, 1000), after: measurement([2, 2], 2, 0, 950), results: ['PASS', 'PASS', 'PASS', 'PASS'], accepted: true },
    { name: 'exactly 50 % faster passes', before: measurement([10], 0, 1, 1000), after: measurement([5], 1, 0, 1000), results: ['PASS', 'PASS', 'PASS', 'PASS'], accepted: true },
    { name: 'only 40 % faster', before: measurement([10], 0, 1, 1000), after: measurement([6], 1, 0, 1000), results: ['FAIL', 'PASS', 'PASS', 'PASS'], accepted: false },
    { name: 'exactly 10 % write loss fails', before: measurement([10], 0, 1, 1000), after: measurement([1], 1, 0, 900), results: ['PASS', 'FAIL', 'PASS', 'PASS'], accepted: false },
    { name: 'writes faster after is fine', before: measurement([10], 0, 1, 1000), after: measurement([1], 1, 0, 1100), results: ['PASS', 'PASS', 'PASS', 'PASS'], accepted: true },
    { name: 'an index still missing', before: measurement([10], 0, 2, 1000), after: measurement([1], 1, 1, 1000), results: ['PASS', 'PASS', 'FAIL', 'PASS'], accepted: false },
    { name: 'a query still scans', before: measurement([10, 10], 0, 2, 1000), after: measurement([1, 1], 1, 0, 1000), results: ['PASS', 'PASS', 'PASS', 'FAIL'], accepted: false },
    { name: 'writes not measured', before: measurement([10], 0, 1, null), after: measurement([1], 1, 0, null), results: ['PASS', 'n/a', 'PASS', 'PASS'], accepted: true },
    { name: 'no --apply: the current state only', before: measurement([1], 1, 0, 1000), after: null, results: ['n/a', 'n/a', 'PASS', 'PASS'], accepted: true },
    { name: 'no --apply, indexes missing', before: measurement([10], 0, 3, 1000), after: null, results: ['n/a', 'n/a', 'FAIL', 'FAIL'], accepted: false },
  ];
  for (const c of cases) {
    const a = acceptance(c.before, c.after);
    assert.deepEqual(a.criteria.map((x) => x.result), c.results, c.name);
    assert.equal(a.accepted, c.accepted, c.name);
  }
  const table = formatAcceptance(acceptance(measurement([10, 10], 0, 2, 1000), measurement([2, 2], 2, 0, 950)));
  assert.match(table[1]!, /query time \(sum of medians\)\s+20\.0 ms\s+4\.00 ms\s+-80\.0 %\s+≥ 50 % less\s+PASS/);
  assert.match(table[2]!, /write throughput\s+1000 rows\/s\s+950 rows\/s\s+-5\.0 %\s+< 10 % loss\s+PASS/);
  assert.equal(table.at(-1), '  overall: ACCEPT');
});

