import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunFile } from '../../results/types.js';
import type { Threshold } from './thresholds.js';
import { meetsLimit, parseThreshold, parseThresholds, readCheck, readMetric } from './thresholds.js';

const VALID: { text: string; threshold: Threshold }[] = [
  {
    text: 'opsPerSec >= -5%',
    threshold: { kind: 'relative', source: 'opsPerSec >= -5%', metric: 'opsPerSec', operator: '>=', percent: -5 },
  },
  {
    text: 'latency.p99 <= +10%',
    threshold: { kind: 'relative', source: 'latency.p99 <= +10%', metric: 'latency.p99', operator: '<=', percent: 10 },
  },
  {
    text: '  latency.mean<2.5 %  ',
    threshold: { kind: 'relative', source: 'latency.mean<2.5 %', metric: 'latency.mean', operator: '<', percent: 2.5 },
  },
  { text: 'errors == 0', threshold: { kind: 'absolute', source: 'errors == 0', metric: 'errors', operator: '==', value: 0 } },
  { text: 'accounting == ok', threshold: { kind: 'check', source: 'accounting == ok', metric: 'accounting' } },
  { text: 'verification == ok', threshold: { kind: 'check', source: 'verification == ok', metric: 'verification' } },
  { text: 'exhausted == 0', threshold: { kind: 'absolute', source: 'exhausted == 0', metric: 'exhausted', operator: '==', value: 0 } },
  { text: 'droppedPct <= 0.1', threshold: { kind: 'absolute', source: 'droppedPct <= 0.1', metric: 'droppedPct', operator: '<=', value: 0.1 } },
  { text: 'dropped < 10', threshold: { kind: 'absolute', source: 'dropped < 10', metric: 'dropped', operator: '<', value: 10 } },
  {
    text: 'latency.p95 <= 20',
    threshold: { kind: 'absolute', source: 'latency.p95 <= 20', metric: 'latency.p95', operator: '<=', value: 20 },
  },
  { text: 'retries <= 100', threshold: { kind: 'absolute', source: 'retries <= 100', metric: 'retries', operator: '<=', value: 100 } },
  { text: 'rollbacks < 1e3', threshold: { kind: 'absolute', source: 'rollbacks < 1e3', metric: 'rollbacks', operator: '<', value: 1000 } },
  { text: 'commits > 0', threshold: { kind: 'absolute', source: 'commits > 0', metric: 'commits', operator: '>', value: 0 } },
  {
    text: 'status.Innodb_data_fsyncs <= +20%',
    threshold: {
      kind: 'relative',
      source: 'status.Innodb_data_fsyncs <= +20%',
      metric: 'status.Innodb_data_fsyncs',
      operator: '<=',
      percent: 20,
    },
  },
];

for (const { text, threshold } of VALID) {
  test(`parses "${text}"`, () => {
    assert.deepEqual(parseThreshold(text), { ok: true, threshold });
  });
}

/** Each invalid declaration with a fragment its error message must contain. */
const INVALID: { text: string; error: RegExp }[] = [
  { text: 'opsPerSek >= -5%', error: /unknown metric "opsPerSek"; known: opsPerSec, latency\.p50/ },
  { text: 'latency.p42 <= 10', error: /unknown metric "latency\.p42"/ },
  { text: 'status. <= 10', error: /unknown metric "status\."/ },
  { text: 'opsPerSec => -5%', error: /expected an operator \(<, <=, >, >=, ==\) after "opsPerSec", found "=>"/ },
  { text: 'opsPerSec = 5', error: /found "="/ },
  { text: 'errors <> 0', error: /found "<>"/ },
  { text: 'errors != 0', error: /found "!="/ },
  { text: 'opsPerSec ~ 5', error: /found "~ 5"/ },
  { text: 'opsPerSec', error: /expected an operator .* found nothing/ },
  { text: 'accounting >= -5%', error: /"accounting" is absolute only .* percentage/ },
  { text: 'accounting == 1', error: /supports only "accounting == ok"/ },
  { text: 'accounting <= ok', error: /supports only "accounting == ok"/ },
  { text: 'verification == yes', error: /supports only "verification == ok"/ },
  { text: 'verification <= +5%', error: /"verification" is absolute only/ },
  { text: 'errors ==', error: /missing value after "=="/ },
  { text: 'latency.p99 <= ten', error: /value "ten" is not a number/ },
  { text: 'latency.p99 <= 10%%', error: /value "10%%" is not a number/ },
  { text: 'errors == ok', error: /value "ok" is not a number/ },
  { text: 'opsPerSec == -5%', error: /relative \(%\) threshold needs <, <=, > or >=/ },
  { text: '', error: /is empty/ },
  { text: '>= 5', error: /does not start with a metric name/ },
  { text: '¯\\_(ツ)_/¯', error: /does not start with a metric name/ },
];

for (const { text, error } of INVALID) {
  test(`rejects "${text}"`, () => {
    const parsed = parseThreshold(text);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) {
      assert.ok(parsed.error.startsWith(`threshold "${text}": `), parsed.error);
      assert.match(parsed.error, error);
    }
  });
}

test('parseThresholds returns every threshold when all are valid', () => {
  const parsed = parseThresholds(['opsPerSec >= -5%', 'errors == 0']);
  assert.ok(parsed.ok);
  assert.deepEqual(
    parsed.thresholds.map((threshold) => threshold.source),
    ['opsPerSec >= -5%', 'errors == 0'],
  );
});

test('parseThresholds collects every error at once', () => {
  const parsed = parseThresholds(['opsPerSec >= -5%', 'bogus >= 1', 'errors ==', 'accounting == ok', 'latency.p99 <=> 3']);
  assert.equal(parsed.ok, false);
  if (!parsed.ok) {
    assert.equal(parsed.errors.length, 3);
    assert.match(parsed.errors[0] ?? '', /"bogus >= 1"/);
    assert.match(parsed.errors[1] ?? '', /"errors =="/);
    assert.match(parsed.errors[2] ?? '', /"latency\.p99 <=> 3"/);
  }
});

test('meetsLimit applies each operator', () => {
  assert.ok(meetsLimit(-5, '>=', -5));
  assert.ok(!meetsLimit(-5.1, '>=', -5));
  assert.ok(meetsLimit(4, '>', 3));
  assert.ok(!meetsLimit(3, '>', 3));
  assert.ok(meetsLimit(3, '<=', 3));
  assert.ok(!meetsLimit(3, '<', 3));
  assert.ok(meetsLimit(0, '==', 0));
  assert.ok(!meetsLimit(1, '==', 0));
});

function runWith(parts: Partial<RunFile>): RunFile {
  return {
    format: 1,
    runId: 'r1',
    scenario: 'insert',
    state: 'completed',
    startedAt: '2024-01-01T00:00:00Z',
    config: {},
    environment: { node: 'v20', platform: 'linux', cpus: 4, hostname: 'h', innobench: '0.1.0' },
    server: { version: '11.4', flavour: 'MariaDB', variables: {} },
    ...parts,
  };
}

const counts = {
  ops: 100,
  attempts: 105,
  retries: 5,
  deadlocks: 3,
  lockWaitTimeouts: 2,
  exhausted: 2,
  commits: 100,
  rollbacks: 4,
  errors: 1,
  errorsByCode: {},
  reconnects: 0,
  rows: 100,
  bytes: 0,
  dropped: 3,
};

test('readMetric maps metric names onto run.json', () => {
  const run = runWith({
    summary: {
      ...counts,
      opsPerSec: 1234,
      latencyMs: { p50: 1, p95: 2, p99: 3, max: 9, mean: 1.5 },
      elapsedSec: 60,
      endReason: 'duration',
      byOp: {},
      accounting: { harnessRows: 1, comInsertDelta: 1, tableRowsBefore: 0, tableRowsAfter: 1, tableRowsDelta: 1, ok: false, note: '' },
      verification: { ok: true, checks: [] },
    },
    status: { delta: { Innodb_data_fsyncs: 600 }, rate: { Innodb_data_fsyncs: 10 }, gauges: {}, resets: 0 },
  });
  assert.equal(readMetric(run, 'opsPerSec'), 1234);
  assert.equal(readMetric(run, 'latency.p50'), 1);
  assert.equal(readMetric(run, 'latency.p95'), 2);
  assert.equal(readMetric(run, 'latency.p99'), 3);
  assert.equal(readMetric(run, 'latency.max'), 9);
  assert.equal(readMetric(run, 'latency.mean'), 1.5);
  assert.equal(readMetric(run, 'errors'), 1);
  assert.equal(readMetric(run, 'retries'), 5);
  assert.equal(readMetric(run, 'rollbacks'), 4);
  assert.equal(readMetric(run, 'commits'), 100);
  assert.equal(readMetric(run, 'status.Innodb_data_fsyncs'), 10, 'status metrics are per-second rates');
  assert.equal(readMetric(run, 'status.Com_commit'), undefined);
  assert.equal(readMetric(run, 'exhausted'), 2);
  assert.equal(readMetric(run, 'dropped'), 3);
  assert.equal(readMetric(run, 'droppedPct'), (100 * 3) / (100 + 2 + 3), 'dropped as a share of the operations due');
  assert.equal(readCheck(run, 'accounting'), false);
  assert.equal(readCheck(run, 'verification'), true);
});

test('readMetric is undefined when the run recorded nothing', () => {
  const run = runWith({});
  assert.equal(readMetric(run, 'opsPerSec'), undefined);
  assert.equal(readMetric(run, 'status.Innodb_data_fsyncs'), undefined);
  assert.equal(readMetric(run, 'droppedPct'), undefined);
  assert.equal(readCheck(run, 'accounting'), undefined);
  assert.equal(readCheck(run, 'verification'), undefined);
});
