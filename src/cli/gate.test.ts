/**
 * `innobench gate` as CI runs it: a child process on synthetic run folders, judged by its exit
 * code — 0 pass, 1 a threshold failed, 2 invalid thresholds or a malformed run.json, 3 nothing to
 * judge — with the JUnit and Markdown files written beside.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'ib-gate-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface RunSpec {
  runId: string;
  opsPerSec: number;
  p99?: number;
  errors?: number;
  accountingOk?: boolean;
  state?: 'completed' | 'running' | 'failed';
  startedAt?: string;
  label?: string;
  scenario?: string;
  /** Operations measured; default opsPerSec × 10 s. */
  ops?: number;
  exhausted?: number;
  dropped?: number;
  /** Replaces summary fields as given (a malformed file: a string or null where a number belongs). */
  summaryPatch?: Record<string, unknown>;
}

function writeRun(parent: string, spec: RunSpec): string {
  const dir = join(parent, spec.runId);
  mkdirSync(dir, { recursive: true });
  const ops = spec.ops ?? Math.round(spec.opsPerSec * 10);
  const run = {
    format: 1,
    runId: spec.runId,
    scenario: spec.scenario ?? 'insert-features',
    state: spec.state ?? 'completed',
    startedAt: spec.startedAt ?? '2026-01-01T00:00:00.000Z',
    config: { intervalMs: 1000 },
    environment: { node: process.version, platform: 'test', cpus: 1, hostname: 'test', innobench: 'test' },
    server: { version: '10.11', flavour: 'MariaDB', variables: {} },
    summary: {
      ops, attempts: ops, retries: 0, deadlocks: 0, lockWaitTimeouts: 0, exhausted: spec.exhausted ?? 0, commits: ops, rollbacks: 0,
      errors: spec.errors ?? 0, errorsByCode: {}, reconnects: 0, rows: ops, bytes: 0, dropped: spec.dropped ?? 0,
      opsPerSec: spec.opsPerSec,
      latencyMs: { p50: 1, p95: 3, p99: spec.p99 ?? 5, max: 10, mean: 1.5 },
      elapsedSec: 10, endReason: 'duration', byOp: {},
      accounting: { harnessRows: ops, comInsertDelta: ops, tableRowsBefore: 0, tableRowsAfter: ops, tableRowsDelta: ops, ok: spec.accountingOk ?? true, note: 'test' },
      ...spec.summaryPatch,
    },
    status: { delta: {}, rate: {}, gauges: {}, resets: 0 },
    ...(spec.label ? { settings: { matrixId: 'matrix-g', label: spec.label, combination: {}, repeat: 1, applied: [], verifiedAt: '' } } : {}),
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run, null, 2));
  return dir;
}

function gate(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [MAIN, 'gate', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const baseline = join(root, 'baseline');
const ops = [1000, 1012, 990, 1005, 995];

before(() => {
  ops.forEach((value, i) => writeRun(baseline, { runId: `base-${i + 1}`, opsPerSec: value, startedAt: `2026-01-0${i + 1}T00:00:00.000Z` }));
});

describe('innobench gate exit codes', () => {
  test('0: within the thresholds', () => {
    const current = writeRun(root, { runId: 'current-ok', opsPerSec: 985 });
    const junit = join(root, 'out', 'pass.xml');
    const result = gate(['--baseline', baseline, '--current', current, '--threshold', 'opsPerSec >= -5%', '--threshold', 'errors == 0', '--junit', junit]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /innobench gate: PASS/);
    assert.match(readFileSync(junit, 'utf8'), /failures="0"/);
  });

  test('1: a regression beyond the threshold and outside the baseline noise, with JUnit and Markdown', () => {
    const current = writeRun(root, { runId: 'current-slow', opsPerSec: 700 });
    const junit = join(root, 'out', 'fail.xml');
    const markdown = join(root, 'out', 'fail.md');
    const result = gate(['--baseline', baseline, '--current', current, '--threshold', 'opsPerSec >= -5%', '--junit', junit, '--markdown', markdown]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /innobench gate: FAIL/);
    assert.match(readFileSync(junit, 'utf8'), /<failure /);
    assert.match(readFileSync(markdown, 'utf8'), /### innobench gate: FAIL/);
  });

  test('2: every invalid threshold is reported at once, nothing is judged', () => {
    const current = writeRun(root, { runId: 'current-any', opsPerSec: 1000 });
    const junit = join(root, 'out', 'invalid.xml');
    const result = gate(['--baseline', baseline, '--current', current, '--threshold', 'opsPerSec => 5%', '--threshold', 'nosuch <= 3', '--threshold', 'errors == 0', '--junit', junit]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /opsPerSec => 5%/);
    assert.match(result.stderr, /unknown metric "nosuch"/);
    assert.equal(existsSync(junit), false, 'no report for a gate that did not judge');
  });

  test('3: the current run did not complete (killed: still "running")', () => {
    const current = writeRun(root, { runId: 'current-killed', opsPerSec: 1000, state: 'running' });
    const junit = join(root, 'out', 'killed.xml');
    const result = gate(['--baseline', baseline, '--current', current, '--threshold', 'opsPerSec >= -5%', '--junit', junit]);
    assert.equal(result.code, 3, result.stdout + result.stderr);
    assert.match(result.stdout, /NOTHING TO JUDGE\. The current run current-killed did not complete/);
    assert.match(readFileSync(junit, 'utf8'), /<error /);
  });

  test('3: a current run that failed, or completed without a single operation', () => {
    const failed = writeRun(root, { runId: 'current-failed', opsPerSec: 1000, state: 'failed' });
    assert.equal(gate(['--baseline', baseline, '--current', failed]).code, 3);
    const empty = writeRun(root, { runId: 'current-zero', opsPerSec: 0, ops: 0 });
    const result = gate(['--baseline', baseline, '--current', empty, '--threshold', 'errors == 0']);
    assert.equal(result.code, 3, result.stdout + result.stderr);
    assert.match(result.stdout, /measured nothing \(0 operations\)/);
  });

  test('3: an empty baseline folder is not a pass; --allow-no-baseline passes with a note', () => {
    const empty = join(root, 'empty-history');
    mkdirSync(empty, { recursive: true });
    const current = writeRun(root, { runId: 'current-first-night', opsPerSec: 1000 });
    const refused = gate(['--baseline', empty, '--current', current]);
    assert.equal(refused.code, 3, refused.stdout + refused.stderr);
    assert.doesNotMatch(refused.stdout, /PASS/);
    assert.match(refused.stdout, /NOTHING TO JUDGE\. The baseline holds no run/);
    const allowed = gate(['--baseline', empty, '--current', current, '--allow-no-baseline']);
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
    assert.match(allowed.stdout, /innobench gate: PASS\. .*passed without a baseline, as allowed/);
    // Allowed or not, a first night still has to meet its absolute thresholds.
    const broken = writeRun(root, { runId: 'current-first-night-errors', opsPerSec: 1000, errors: 4 });
    assert.equal(gate(['--baseline', empty, '--current', broken, '--allow-no-baseline']).code, 1);
  });

  test('1: by default, exhausted retries and more than 0.1 % dropped operations fail', () => {
    const exhausted = writeRun(root, { runId: 'current-exhausted', opsPerSec: 1000, exhausted: 1 });
    const failed = gate(['--baseline', baseline, '--current', exhausted]);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.match(failed.stdout, /fail\s+exhausted == 0/);
    // 10 000 ops finished, 11 dropped: 0.11 % of the 10 011 due.
    const dropping = writeRun(root, { runId: 'current-dropping', opsPerSec: 1000, dropped: 11 });
    const dropped = gate(['--baseline', baseline, '--current', dropping]);
    assert.equal(dropped.code, 1, dropped.stdout + dropped.stderr);
    assert.match(dropped.stdout, /fail\s+droppedPct <= 0\.1/);
    const fewDropped = writeRun(root, { runId: 'current-few-dropped', opsPerSec: 1000, dropped: 10 });
    assert.equal(gate(['--baseline', baseline, '--current', fewDropped]).code, 0);
  });

  test('2: a malformed run.json is named and refused, in the current run or the baseline', () => {
    const badCurrent = writeRun(root, { runId: 'current-malformed', opsPerSec: 1000, summaryPatch: { opsPerSec: 'fast' } });
    const current = gate(['--baseline', baseline, '--current', badCurrent]);
    assert.equal(current.code, 2, current.stdout + current.stderr);
    assert.match(current.stderr, /current-malformed\/run\.json is malformed: summary\.opsPerSec: "fast" is not a finite number/);
    assert.equal(current.stdout, '', 'no verdict');

    const history = join(root, 'history-with-bad');
    ops.forEach((value, i) => writeRun(history, { runId: `h-${i + 1}`, opsPerSec: value }));
    writeRun(history, { runId: 'h-bad', opsPerSec: 1000, summaryPatch: { latencyMs: { p50: 1, p95: 3, p99: null, max: 10, mean: 1.5 } } });
    const good = writeRun(root, { runId: 'current-good', opsPerSec: 1000 });
    const result = gate(['--baseline', history, '--current', good]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /h-bad\/run\.json is malformed: summary\.latencyMs\.p99: null is not a finite number/);
    writeFileSync(join(history, 'h-bad', 'run.json'), '{"runId": "h-bad", ');
    assert.match(gate(['--baseline', history, '--current', good]).stderr, /h-bad\/run\.json is malformed: does not parse/);
  });

  test('2: missing --current and an unreadable baseline', () => {
    const result = gate(['--baseline', join(root, 'does-not-exist')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--current/);
    assert.match(result.stderr, /does-not-exist/);
  });

  test('default thresholds apply when none are given (and are named)', () => {
    const good = writeRun(root, { runId: 'current-default-ok', opsPerSec: 1000 });
    const pass = gate(['--baseline', baseline, '--current', good]);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.match(pass.stderr, /opsPerSec >= -10%/);
    assert.match(pass.stdout, /latency\.p99 <= \+20%/);
    const unbalanced = writeRun(root, { runId: 'current-default-bad', opsPerSec: 1000, accountingOk: false });
    assert.equal(gate(['--baseline', baseline, '--current', unbalanced]).code, 1);
  });

  test('--baseline-last N keeps the latest N; a matrix baseline needs --baseline-label', () => {
    const current = writeRun(root, { runId: 'current-last', opsPerSec: 1000 });
    const last = gate(['--baseline', baseline, '--baseline-last', '2', '--current', current, '--threshold', 'opsPerSec >= -5%', '--json']);
    assert.equal(last.code, 0, last.stderr);
    assert.deepEqual((JSON.parse(last.stdout) as { baselineRunIds: string[] }).baselineRunIds, ['base-4', 'base-5']);

    const matrix = join(root, 'matrix-g');
    writeRun(matrix, { runId: 'm1', opsPerSec: 1000, label: 'x=1' });
    writeRun(matrix, { runId: 'm2', opsPerSec: 2000, label: 'x=2' });
    writeFileSync(join(matrix, 'matrix.json'), JSON.stringify({ format: 1, kind: 'matrix', matrixId: 'matrix-g', combinations: [{ label: 'x=1', settings: {} }, { label: 'x=2', settings: {} }], runs: [{ runId: 'm1', label: 'x=1' }, { runId: 'm2', label: 'x=2' }] }));
    const ambiguous = gate(['--baseline', matrix, '--current', current, '--threshold', 'opsPerSec >= -5%']);
    assert.equal(ambiguous.code, 2, ambiguous.stderr);
    assert.match(ambiguous.stderr, /--baseline-label/);
    const chosen = gate(['--baseline', matrix, '--baseline-label', 'x=1', '--current', current, '--threshold', 'opsPerSec >= -5%']);
    assert.equal(chosen.code, 0, chosen.stdout + chosen.stderr);
  });
});
