/** run.json read back: the documented shape passes, every malformed field is named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunFile } from './validateRun.js';

const COUNTS = { ops: 10, attempts: 10, retries: 0, deadlocks: 0, lockWaitTimeouts: 0, exhausted: 0, commits: 10, rollbacks: 0, errors: 0, errorsByCode: {}, reconnects: 0, rows: 10, bytes: 0, dropped: 0 };
const LATENCY = { p50: 1, p95: 2, p99: 3, max: 4, mean: 1.5 };

function run(): Record<string, unknown> {
  return {
    format: 1,
    runId: 'r1',
    scenario: 'insert-features',
    state: 'completed',
    startedAt: '2026-01-01T00:00:00Z',
    config: {},
    environment: { node: 'v20', platform: 'linux', cpus: 2, hostname: 'h', innobench: '0.1.0' },
    server: { version: '10.11', flavour: 'MariaDB', variables: {} },
    summary: {
      ...COUNTS,
      opsPerSec: 1,
      latencyMs: LATENCY,
      elapsedSec: 10,
      endReason: 'duration',
      byOp: { insert: { ...COUNTS, opsPerSec: 1, latencyMs: LATENCY } },
      accounting: { harnessRows: 10, comInsertDelta: 10, tableRowsBefore: 0, tableRowsAfter: 10, tableRowsDelta: 10, ok: true, note: '' },
      verification: { ok: true, checks: [{ name: 'count', ok: true, detail: '' }] },
      machine: {
        cores: 2,
        serverPids: [42],
        disk: 'vda',
        otherCpuPct: { mean: 3.1, max: 40, maxAtSec: 3 },
        stealPct: { mean: 0.2, max: 1, maxAtSec: 5 },
        iowaitPct: null,
        diskBusyPct: { mean: 20, max: 55, maxAtSec: 2 },
        disturbed: [{ atSec: 3, reason: 'other processes used 40 % of a core' }],
        disturbedCount: 1,
      },
    },
    status: { delta: { Com_insert: 10 }, rate: { Com_insert: 1 }, gauges: {}, resets: 0 },
  };
}

function problemsOf(value: unknown): string[] {
  const parsed = parseRunFile(JSON.stringify(value));
  return parsed.ok ? [] : parsed.problems;
}

test('a run.json of the documented shape parses; so does a running one without a summary yet', () => {
  const parsed = parseRunFile(JSON.stringify(run()));
  assert.ok(parsed.ok);
  assert.equal(parsed.run.summary?.byOp.insert?.ops, 10);
  const withoutMachine = run();
  delete (withoutMachine.summary as Record<string, unknown>).machine;
  assert.deepEqual(problemsOf(withoutMachine), [], 'runs recorded before summary.machine still parse');
  const running: Record<string, unknown> = { ...run(), state: 'running' };
  delete running.summary;
  delete running.status;
  assert.deepEqual(problemsOf(running), []);
});

test('text that is not JSON, or JSON that is not an object, is refused', () => {
  const parsed = parseRunFile('{"runId": ');
  assert.equal(parsed.ok, false);
  assert.match(parsed.ok ? '' : parsed.problems[0]!, /^does not parse: /);
  assert.deepEqual(problemsOf([1, 2]), ['run.json: not an object']);
});

/** Each malformed variant with the problem it must be named by. */
const MALFORMED: Array<[string, (value: Record<string, unknown>) => void, string]> = [
  ['another format', (v) => (v.format = 2), 'format: 2 is not 1'],
  ['no runId', (v) => delete v.runId, 'runId: missing'],
  ['an unknown state', (v) => (v.state = 'done'), 'state: "done" is not one of running, completed, interrupted, failed'],
  ['a string for a number', (v) => ((v.summary as Record<string, unknown>).opsPerSec = '1000'), 'summary.opsPerSec: "1000" is not a finite number'],
  ['null for a number (NaN written as JSON)', (v) => ((v.summary as Record<string, unknown>).ops = null), 'summary.ops: null is not a finite number'],
  ['a negative count', (v) => ((v.summary as Record<string, unknown>).dropped = -1), 'summary.dropped: -1 is negative'],
  ['a missing count', (v) => delete (v.summary as Record<string, unknown>).exhausted, 'summary.exhausted: missing'],
  ['no latency', (v) => delete (v.summary as Record<string, unknown>).latencyMs, 'summary.latencyMs: missing'],
  [
    'a bad per-op figure',
    (v) => (((v.summary as Record<string, Record<string, Record<string, unknown>>>).byOp!.insert!).latencyMs = { ...LATENCY, p99: 'slow' }),
    'summary.byOp.insert.latencyMs.p99: "slow" is not a finite number',
  ],
  ['accounting without ok', (v) => delete ((v.summary as Record<string, Record<string, unknown>>).accounting!).ok, 'summary.accounting.ok: missing'],
  ['verification checks not a list', (v) => (((v.summary as Record<string, Record<string, unknown>>).verification!).checks = {}), 'summary.verification.checks: not a list'],
  ['a status rate that is not a number', (v) => (((v.status as Record<string, Record<string, unknown>>).rate!).Com_insert = 'x'), 'status.rate.Com_insert: "x" is not a finite number'],
  ['settings without a label', (v) => (v.settings = { matrixId: 'm' }), 'settings.label: missing'],
  ['tags that are not an object', (v) => (v.tags = ['commit=abc']), 'tags: not an object'],
  ['a tag that is not a string', (v) => (v.tags = { commit: 'abc', build: 7 }), 'tags.build: not a non-empty string'],
  ['a machine figure without its max', (v) => delete (v.summary as Record<string, Record<string, Record<string, unknown>>>).machine!.otherCpuPct!.max, 'summary.machine.otherCpuPct.max: missing'],
  ['a disturbed interval without a reason', (v) => ((v.summary as Record<string, Record<string, unknown>>).machine!.disturbed = [{ atSec: 1 }]), 'summary.machine.disturbed[0].reason: missing'],
  ['a machine disk that is a number', (v) => ((v.summary as Record<string, Record<string, unknown>>).machine!.disk = 8), 'summary.machine.disk: not a non-empty string'],
  ['an unknown end reason', (v) => ((v.summary as Record<string, unknown>).endReason = 'bored'), 'summary.endReason: "bored" is not one of duration, work-done, interrupted, error'],
];

for (const [name, spoil, problem] of MALFORMED) {
  test(`refused: ${name}`, () => {
    const value = run();
    spoil(value);
    assert.deepEqual(problemsOf(value), [problem]);
  });
}

test('every problem is listed at once', () => {
  const value = run();
  value.runId = '';
  (value.summary as Record<string, unknown>).opsPerSec = null;
  assert.deepEqual(problemsOf(value), ['runId: not a non-empty string', 'summary.opsPerSec: null is not a finite number']);
});
