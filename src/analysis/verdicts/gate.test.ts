import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunFile } from '../../results/types.js';
import type { GateResult, ThresholdResult } from './gate.js';
import { evaluateGate } from './gate.js';
import type { Threshold } from './thresholds.js';
import { parseThresholds } from './thresholds.js';

interface RunFigures {
  runId?: string;
  state?: RunFile['state'];
  opsPerSec?: number;
  p99?: number;
  errors?: number;
  ops?: number;
  exhausted?: number;
  dropped?: number;
  verification?: { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
  accountingOk?: boolean;
  accountingNote?: string;
  fsyncsPerSec?: number;
  /** Further status counters' per-second rates. */
  statusRates?: Record<string, number>;
  error?: string;
}

let runCounter = 0;

/** A completed run.json with the figures given and unremarkable defaults for the rest. */
function makeRun(figures: RunFigures = {}): RunFile {
  runCounter += 1;
  const opsPerSec = figures.opsPerSec ?? 1000;
  return {
    format: 1,
    runId: figures.runId ?? `run-${runCounter}`,
    scenario: 'insert',
    state: figures.state ?? 'completed',
    startedAt: '2024-01-01T00:00:00Z',
    endedAt: '2024-01-01T00:01:00Z',
    config: {},
    environment: { node: 'v20.19.0', platform: 'linux', cpus: 8, hostname: 'bench', innobench: '0.1.0' },
    server: { version: '11.4.2-MariaDB', flavour: 'MariaDB', variables: {} },
    summary: {
      bytes: 0,
      dropped: figures.dropped ?? 0,
      ops: figures.ops ?? opsPerSec * 60,
      attempts: opsPerSec * 60,
      retries: 0,
      deadlocks: 0,
      lockWaitTimeouts: 0,
      exhausted: figures.exhausted ?? 0,
      commits: opsPerSec * 60,
      rollbacks: 0,
      errors: figures.errors ?? 0,
      errorsByCode: {},
      reconnects: 0,
      rows: opsPerSec * 60,
      opsPerSec,
      latencyMs: { p50: 1, p95: 3, p99: figures.p99 ?? 5, max: 20, mean: 1.2 },
      elapsedSec: 60,
      endReason: 'duration',
      byOp: {},
      accounting: {
        harnessRows: opsPerSec * 60,
        comInsertDelta: opsPerSec * 60,
        tableRowsBefore: 0,
        tableRowsAfter: opsPerSec * 60,
        tableRowsDelta: opsPerSec * 60,
        ok: figures.accountingOk ?? true,
        note: figures.accountingNote ?? '',
      },
      ...(figures.verification === undefined ? {} : { verification: figures.verification }),
    },
    status: {
      delta: { Innodb_data_fsyncs: (figures.fsyncsPerSec ?? 50) * 60 },
      rate: { Innodb_data_fsyncs: figures.fsyncsPerSec ?? 50, ...figures.statusRates },
      gauges: {},
      resets: 0,
    },
    ...(figures.error === undefined ? {} : { error: figures.error }),
  };
}

function thresholds(...declared: string[]): Threshold[] {
  const parsed = parseThresholds(declared);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.thresholds;
}

function runsWithOps(...values: number[]): RunFile[] {
  return values.map((opsPerSec) => makeRun({ opsPerSec }));
}

/** Mean 1000, stddev 7.9: the 95 % prediction interval is about [976, 1024]. */
const TIGHT_BASELINE = runsWithOps(1000, 1010, 990, 1005, 995);
/** Mean 1000, stddev 79: the 95 % prediction interval is about [760, 1240]. */
const NOISY_BASELINE = runsWithOps(1000, 1100, 900, 1050, 950);

function only(result: GateResult): ThresholdResult {
  assert.equal(result.results.length, 1);
  const [first] = result.results;
  assert.ok(first);
  return first;
}

test('a real 20 % throughput drop fails', () => {
  const gate = evaluateGate(TIGHT_BASELINE, makeRun({ opsPerSec: 800 }), thresholds('opsPerSec >= -5%'));
  const row = only(gate);
  assert.equal(row.verdict, 'fail');
  assert.equal(row.baselineValue, 1000);
  assert.equal(row.currentValue, 800);
  assert.equal(row.changePct, -20);
  assert.equal(row.baselineSpread.n, 5);
  assert.ok(row.baselineSpread.predictionInterval !== null && row.baselineSpread.predictionInterval.lo > 970);
  assert.match(row.reason, /changed -20\.0 %.*outside the baseline's 95 % prediction interval/);
  assert.equal(gate.verdict, 'fail');
});

test('a 3 % drop within the threshold passes', () => {
  const gate = evaluateGate(TIGHT_BASELINE, makeRun({ opsPerSec: 970 }), thresholds('opsPerSec >= -5%'));
  assert.equal(only(gate).verdict, 'pass');
  assertClose(only(gate).changePct ?? NaN, -3);
  assert.equal(gate.verdict, 'pass');
});

test('a drop beyond the threshold but inside the baseline spread is noise, and the gate passes', () => {
  const gate = evaluateGate(NOISY_BASELINE, makeRun({ opsPerSec: 920 }), thresholds('opsPerSec >= -5%'));
  const row = only(gate);
  assert.equal(row.verdict, 'noise');
  assert.match(row.reason, /beyond the threshold but inside the baseline's 95 % prediction interval .* from 5 runs/);
  assert.equal(gate.verdict, 'pass');
  assert.match(gate.reason, /1 beyond the threshold but within baseline noise/);
});

test('the same drop against a tight baseline fails', () => {
  const gate = evaluateGate(TIGHT_BASELINE, makeRun({ opsPerSec: 920 }), thresholds('opsPerSec >= -5%'));
  assert.equal(only(gate).verdict, 'fail');
});

test('latency rising past an upper threshold fails', () => {
  const baseline = [4.9, 5.0, 5.1, 5.0].map((p99) => makeRun({ p99 }));
  const gate = evaluateGate(baseline, makeRun({ p99: 6 }), thresholds('latency.p99 <= +10%'));
  assert.equal(only(gate).verdict, 'fail');
  assertClose(only(gate).changePct ?? NaN, 20);
});

test('a relative threshold on a server counter uses its per-second rate', () => {
  const baseline = [50, 51, 49].map((fsyncsPerSec) => makeRun({ fsyncsPerSec }));
  const gate = evaluateGate(baseline, makeRun({ fsyncsPerSec: 80 }), thresholds('status.Innodb_data_fsyncs <= +20%'));
  assert.equal(only(gate).verdict, 'fail');
  assert.equal(only(gate).currentValue, 80);
});

test('with fewer than 3 baseline runs the threshold alone decides, and the reason says so', () => {
  const failing = only(evaluateGate(runsWithOps(1000, 1100), makeRun({ opsPerSec: 1000 }), thresholds('opsPerSec >= -1%')));
  assert.equal(failing.verdict, 'fail');
  assert.equal(failing.baselineSpread.predictionInterval, null);
  assert.match(failing.reason, /Only 2 baseline runs: the noise check needs 3, so the threshold alone decides/);

  const passing = only(evaluateGate(runsWithOps(1000), makeRun({ opsPerSec: 990 }), thresholds('opsPerSec >= -5%')));
  assert.equal(passing.verdict, 'pass');
  assert.equal(passing.baselineSpread.stdDev, null);
  assert.match(passing.reason, /Only 1 baseline run:/);
});

test('an empty baseline is not a pass: the gate has nothing to judge', () => {
  const gate = evaluateGate([], makeRun({ opsPerSec: 500 }), thresholds('opsPerSec >= -5%', 'errors == 0'));
  assert.equal(gate.results[0]?.verdict, 'no-baseline');
  assert.equal(gate.results[0]?.baselineValue, null);
  assert.equal(gate.verdict, 'nothing-to-judge');
  assert.match(gate.reason, /The baseline holds no run, so there is nothing to compare the current run with; an empty baseline is not a pass/);
});

test('a baseline whose every run is unusable (incomplete, or the current run) is empty too', () => {
  const current = makeRun({ runId: 'tonight' });
  const gate = evaluateGate([makeRun({ state: 'interrupted' }), current], current, thresholds('opsPerSec >= -5%'));
  assert.equal(gate.verdict, 'nothing-to-judge');
  assert.match(gate.reason, /None of the 2 baseline run\(s\) is usable/);
});

test('allowed without a baseline: the gate passes and says the relative thresholds went unchecked', () => {
  const gate = evaluateGate([], makeRun({ opsPerSec: 500 }), thresholds('opsPerSec >= -5%', 'errors == 0'), { allowNoBaseline: true });
  assert.equal(gate.verdict, 'pass');
  assert.match(gate.reason, /^All 2 thresholds passed \(1 without a baseline to compare against\)\. The baseline holds no run: passed without a baseline, as allowed\.$/);
});

test('a threshold the run breaks fails it even without a baseline', () => {
  const gate = evaluateGate([], makeRun({ errors: 3 }), thresholds('opsPerSec >= -5%', 'errors == 0'));
  assert.equal(gate.verdict, 'fail');
});

test('errors > 0 fails an absolute threshold directly, whatever the baseline', () => {
  const baseline = [3, 4, 5].map((errors) => makeRun({ errors }));
  const gate = evaluateGate(baseline, makeRun({ errors: 2 }), thresholds('errors == 0'));
  assert.equal(only(gate).verdict, 'fail');
  assert.equal(only(gate).baselineValue, 4, 'the baseline is still reported for context');
  assert.match(only(gate).reason, /errors is 2, which breaks == 0/);
  assert.equal(evaluateGate(TIGHT_BASELINE, makeRun({ errors: 0 }), thresholds('errors == 0')).verdict, 'pass');
});

test('exhausted retries and dropped operations are gate-able figures', () => {
  const gate = evaluateGate(TIGHT_BASELINE, makeRun({ exhausted: 1 }), thresholds('exhausted == 0'));
  assert.equal(gate.verdict, 'fail');
  assert.match(only(gate).reason, /exhausted is 1, which breaks == 0/);
  // 60 000 ops due: 60 dropped is exactly 0.1 %, 61 is beyond it.
  const within = evaluateGate(TIGHT_BASELINE, makeRun({ ops: 59_940, dropped: 60 }), thresholds('droppedPct <= 0.1'));
  assert.equal(within.verdict, 'pass', within.reason);
  const beyond = evaluateGate(TIGHT_BASELINE, makeRun({ ops: 59_939, dropped: 61 }), thresholds('droppedPct <= 0.1'));
  assert.equal(beyond.verdict, 'fail');
  assert.match(only(beyond).reason, /droppedPct is 0\.10, which breaks <= 0\.10/);
});

test('verification: a failed check fails and names what failed; a run without verification passes and says so', () => {
  const failed = evaluateGate(
    TIGHT_BASELINE,
    makeRun({ verification: { ok: false, checks: [{ name: 'no duplicates', ok: false, detail: '3 duplicated rows' }, { name: 'count', ok: true, detail: '' }] } }),
    thresholds('verification == ok'),
  );
  assert.equal(failed.verdict, 'fail');
  assert.equal(only(failed).currentValue, false);
  assert.equal(only(failed).reason, 'The after-run verification failed (no duplicates: 3 duplicated rows).');
  const passed = evaluateGate(TIGHT_BASELINE, makeRun({ verification: { ok: true, checks: [] } }), thresholds('verification == ok'));
  assert.equal(only(passed).verdict, 'pass');
  const none = only(evaluateGate(TIGHT_BASELINE, makeRun(), thresholds('verification == ok')));
  assert.equal(none.verdict, 'pass');
  assert.match(none.reason, /has no after-run verification/);
});

test('absolute latency limit in milliseconds', () => {
  assert.equal(only(evaluateGate([], makeRun({ p99: 25 }), thresholds('latency.p99 <= 20'))).verdict, 'fail');
  assert.equal(only(evaluateGate([], makeRun({ p99: 15 }), thresholds('latency.p99 <= 20'))).verdict, 'pass');
});

test('accounting false fails, with the run note in the reason', () => {
  const gate = evaluateGate(
    TIGHT_BASELINE,
    makeRun({ accountingOk: false, accountingNote: '12 rows missing' }),
    thresholds('accounting == ok'),
  );
  assert.equal(only(gate).verdict, 'fail');
  assert.equal(only(gate).currentValue, false);
  assert.equal(only(gate).reason, 'Row accounting did not balance (12 rows missing).');
  assert.equal(only(evaluateGate([], makeRun(), thresholds('accounting == ok'))).verdict, 'pass');
});

test('a metric the current run did not record fails', () => {
  const current = makeRun();
  delete current.status;
  const row = only(evaluateGate(TIGHT_BASELINE, current, thresholds('status.Innodb_data_fsyncs <= +20%')));
  assert.equal(row.verdict, 'fail');
  assert.equal(row.currentValue, null);
});

test('a current run that did not complete has nothing to judge', () => {
  const current = makeRun({ state: 'failed', error: 'connection lost' });
  const gate = evaluateGate(TIGHT_BASELINE, current, thresholds('opsPerSec >= -5%'));
  assert.equal(gate.verdict, 'nothing-to-judge');
  assert.match(gate.reason, /did not complete \(state failed: connection lost\)/);
});

test('a completed run that measured nothing (0 operations) has nothing to judge, even by thresholds it would meet', () => {
  const gate = evaluateGate(TIGHT_BASELINE, makeRun({ ops: 0, opsPerSec: 0 }), thresholds('errors == 0'));
  assert.equal(gate.verdict, 'nothing-to-judge');
  assert.match(gate.reason, /measured nothing \(0 operations\)/);
});

test('no thresholds is invalid', () => {
  assert.equal(evaluateGate(TIGHT_BASELINE, makeRun(), []).verdict, 'invalid');
});

test('baseline runs that did not complete, or are the current run, are ignored', () => {
  const current = makeRun({ runId: 'tonight', opsPerSec: 800 });
  const baseline = [...TIGHT_BASELINE, makeRun({ runId: 'crashed', state: 'interrupted', opsPerSec: 10 }), current];
  const gate = evaluateGate(baseline, current, thresholds('opsPerSec >= -5%'));
  assert.deepEqual(gate.ignoredBaselineRuns, [
    { runId: 'crashed', reason: 'its state is interrupted' },
    { runId: 'tonight', reason: 'it is the current run' },
  ]);
  assert.equal(gate.baselineRunIds.length, 5);
  assert.equal(only(gate).baselineValue, 1000);
});

test('a gate can hold one of each verdict at once', () => {
  const gate = evaluateGate(
    NOISY_BASELINE,
    makeRun({ opsPerSec: 920, errors: 3, accountingOk: false, statusRates: { Innodb_rows_read: 5 } }),
    thresholds('opsPerSec >= -5%', 'errors == 0', 'accounting == ok', 'latency.p99 < 100', 'status.Innodb_rows_read <= +5%'),
  );
  assert.equal(gate.verdict, 'fail');
  assert.deepEqual(
    gate.results.map((row) => row.verdict),
    ['noise', 'fail', 'fail', 'pass', 'no-baseline'],
  );
});

function assertClose(actual: number, expected: number, tolerance = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`);
}
