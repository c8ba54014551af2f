/**
 * compare on synthetic run folders with known distributions: a real +20 % shift is reported as
 * significant, noise alone is not; latency percentiles are the exact merge of the interval
 * histograms; a killed run is left out as incomplete; a matrix groups its runs by label; the
 * redo sizing rule and the partial last interval are as documented.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeHistogram, newHistogram, recordMicros } from '../../metrics/histogram.js';
import { readRuns, type MatrixFile } from '../../results/readRuns.js';
import { seededRandom } from '../../data/random.js';
import { buildComparison } from './compare.js';
import { formatCompare } from '../../format/compareText.js';
import { formatVerdicts, verdictParagraphs } from '../../format/verdictText.js';
import { readRunSets } from '../../cli/compare.js';
import { listRuns } from '../../cli/runs.js';

const root = mkdtempSync(join(tmpdir(), 'ib-compare-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Box–Muller normal deviates from a seeded uniform source. */
function normal(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

interface SyntheticRun {
  runId: string;
  /** The run's ops/s (its intervals scatter around it). */
  opsPerSec: number;
  /** Latencies recorded in every interval are drawn around this, in µs. */
  latencyUs: number;
  intervals?: number;
  intervalSec?: number;
  state?: 'completed' | 'running' | 'interrupted' | 'failed';
  /** Last interval only this long (a partial one). */
  lastIntervalSec?: number;
  settings?: { matrixId: string; label: string; combination: Record<string, string>; block?: number };
  redoBytesPerSec?: number;
  variables?: Record<string, string>;
  seed: number;
}

/** Writes run.json, timeline.csv, status.csv and histograms.jsonl as the harness does; returns every latency recorded. */
function writeRun(parent: string, spec: SyntheticRun): number[] {
  const dir = join(parent, spec.runId);
  mkdirSync(dir, { recursive: true });
  const random = seededRandom(spec.seed);
  const gauss = normal(random);
  const intervals = spec.intervals ?? 10;
  const intervalSec = spec.intervalSec ?? 1;
  const timeline = ['seq,elapsed_s,op,ops,ops_per_s,p50_ms,p95_ms,p99_ms,max_ms,attempts,errors,retries,deadlocks,lock_wait_timeouts,commits,rollbacks,reconnects,rows'];
  const status = ['seq,elapsed_s,seconds,server_restarted,Com_insert,Innodb_data_fsyncs,Innodb_os_log_written,Innodb_log_waits,Handler_write'];
  const histograms: string[] = [];
  const all: number[] = [];
  let elapsed = 0;
  let totalOps = 0;
  for (let seq = 1; seq <= intervals; seq++) {
    const seconds = seq === intervals && spec.lastIntervalSec !== undefined ? spec.lastIntervalSec : intervalSec;
    elapsed += seconds;
    const rate = spec.opsPerSec * (1 + 0.02 * gauss());
    const ops = Math.round(rate * seconds);
    totalOps += ops;
    const histogram = newHistogram();
    const samples = Math.min(ops, 400);
    for (let i = 0; i < samples; i++) {
      const value = Math.max(50, spec.latencyUs * Math.exp(0.3 * gauss()));
      recordMicros(histogram, value);
      all.push(value);
    }
    const ms = (p: number): number => histogram.getValueAtPercentile(p) / 1000;
    timeline.push([seq, elapsed.toFixed(3), 'all', ops, (ops / seconds).toFixed(2), ms(50), ms(95), ms(99), histogram.maxValue / 1000, ops, 0, 0, 0, 0, ops, 0, 0, ops].join(','));
    const redo = Math.round((spec.redoBytesPerSec ?? 2_000_000) * seconds);
    status.push([seq, elapsed.toFixed(3), seconds.toFixed(3), 0, ops, Math.round(ops / 2), redo, 0, ops].join(','));
    histograms.push(JSON.stringify({ seq, elapsedSec: elapsed, op: 'insert', histogram: encodeHistogram(histogram) }));
  }
  const summaryHistogram = newHistogram();
  for (const value of all) recordMicros(summaryHistogram, value);
  const summaryMs = (p: number): number => summaryHistogram.getValueAtPercentile(p) / 1000;
  const redoTotal = Math.round((spec.redoBytesPerSec ?? 2_000_000) * elapsed);
  const run = {
    format: 1,
    runId: spec.runId,
    scenario: 'insert-features',
    state: spec.state ?? 'completed',
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, spec.seed % 60)).toISOString(),
    config: { workers: 4, durationMs: intervals * intervalSec * 1000, intervalMs: intervalSec * 1000 },
    environment: { node: process.version, platform: 'test', cpus: 1, hostname: 'test', innobench: 'test' },
    server: { version: '10.11.0-MariaDB', flavour: 'MariaDB', variables: spec.variables ?? { innodb_log_file_size: String(96 * 1024 * 1024) } },
    summary: {
      ops: totalOps, attempts: totalOps, retries: 0, deadlocks: 0, lockWaitTimeouts: 0, exhausted: 0, commits: totalOps, rollbacks: 0,
      errors: 0, errorsByCode: {}, reconnects: 0, rows: totalOps, bytes: 0, dropped: 0,
      opsPerSec: Math.round((totalOps / elapsed) * 100) / 100,
      latencyMs: { p50: summaryMs(50), p95: summaryMs(95), p99: summaryMs(99), max: summaryHistogram.maxValue / 1000, mean: summaryHistogram.mean / 1000 },
      elapsedSec: elapsed, endReason: 'duration', byOp: {},
    },
    status: {
      delta: { Com_insert: totalOps, Innodb_data_fsyncs: Math.round(totalOps / 2), Innodb_os_log_written: redoTotal, Innodb_log_waits: 0, Handler_write: totalOps },
      rate: { Innodb_os_log_written: redoTotal / elapsed },
      gauges: {},
      resets: 0,
    },
    ...(spec.settings ? { settings: { ...spec.settings, repeat: 1, applied: [], verifiedAt: '2026-01-01T00:00:00Z' } } : {}),
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run, null, 2));
  writeFileSync(join(dir, 'timeline.csv'), timeline.join('\n') + '\n');
  writeFileSync(join(dir, 'status.csv'), status.join('\n') + '\n');
  writeFileSync(join(dir, 'histograms.jsonl'), histograms.join('\n') + '\n');
  return all;
}

/** `repeats` runs of one configuration whose run means scatter by `spread` (relative) around `opsPerSec`. */
function writeConfiguration(parent: string, name: string, opsPerSec: number, repeats: number, seed: number, extra: Partial<SyntheticRun> = {}): number[] {
  const gauss = normal(seededRandom(seed * 7919));
  const latencies: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const mean = opsPerSec * (1 + 0.03 * gauss());
    latencies.push(...writeRun(parent, { runId: `${name}-r${r + 1}`, opsPerSec: mean, latencyUs: 4_000_000 / mean, seed: seed * 100 + r, ...extra }));
  }
  return latencies;
}

function writeMatrix(dir: string, labels: string[], runs: Array<{ runId: string; label: string }>): void {
  const matrix: MatrixFile = {
    format: 1, kind: 'matrix', matrixId: 'matrix-test', state: 'completed', startedAt: '2026-01-01T00:00:00Z', scenario: 'insert-features',
    settings: [{ name: 'innodb_flush_log_at_trx_commit', values: ['1', '2'] }], order: 'interleaved', repeat: 5, runArgs: [],
    combinations: labels.map((label) => ({ label, settings: { innodb_flush_log_at_trx_commit: label.split('=')[1]! } })),
    runs: runs.map((run, index) => ({ ...run, combination: {}, repeat: 1, position: index + 1, state: 'completed' })),
    original: { innodb_flush_log_at_trx_commit: '1' }, restored: [],
  };
  writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix, null, 2));
}

describe('compare', () => {
  const matrixDir = join(root, 'matrix-test');
  mkdirSync(matrixDir);
  const labelA = 'innodb_flush_log_at_trx_commit=1';
  const labelB = 'innodb_flush_log_at_trx_commit=2';
  const latA = writeConfiguration(matrixDir, 'a', 1000, 5, 1);
  writeConfiguration(matrixDir, 'b', 1200, 5, 2);
  writeMatrix(matrixDir, [labelA, labelB], [1, 2, 3, 4, 5].flatMap((r) => [{ runId: `a-r${r}`, label: labelA }, { runId: `b-r${r}`, label: labelB }]));

  test('a real +20 % shift is significant, its interval holds +20 %', () => {
    const report = buildComparison([readRuns(matrixDir)]);
    assert.deepEqual(report.configurations.map((c) => [c.label, c.n]), [[labelA, 5], [labelB, 5]]);
    const comparison = report.comparisons[0]!;
    assert.equal(comparison.opsPerSec.comparable, true);
    assert.equal(comparison.opsPerSec.significant, true, comparison.opsPerSecText);
    if (!comparison.opsPerSec.comparable) return;
    assert.ok(comparison.opsPerSec.ciPct.lo < 20 && comparison.opsPerSec.ciPct.hi > 20, comparison.opsPerSecText);
    assert.ok(comparison.opsPerSec.changePct > 14 && comparison.opsPerSec.changePct < 26, comparison.opsPerSecText);
    assert.doesNotMatch(comparison.opsPerSecText, /no significant/);
    // Latency was made inversely proportional to throughput: p95 falls by about a sixth.
    assert.equal(comparison.p95.significant, true, comparison.p95Text);
    assert.match(formatCompare(report), /Welch/);
  });

  test('noise alone gives "no significant difference"', () => {
    const dir = join(root, 'noise');
    mkdirSync(dir);
    writeConfiguration(dir, 'x', 1000, 5, 11);
    writeConfiguration(dir, 'y', 1000, 5, 12);
    writeMatrix(dir, [labelA, labelB], [1, 2, 3, 4, 5].flatMap((r) => [{ runId: `x-r${r}`, label: labelA }, { runId: `y-r${r}`, label: labelB }]));
    const report = buildComparison([readRuns(dir)]);
    const comparison = report.comparisons[0]!;
    assert.equal(comparison.opsPerSec.significant, false, comparison.opsPerSecText);
    assert.match(comparison.opsPerSecText, /^no significant difference \(/);
    assert.match(comparison.p95Text, /^no significant difference \(/);
  });

  test('percentiles are the exact merge of every interval histogram of every repeat', () => {
    const report = buildComparison([readRuns(matrixDir)]);
    const expected = newHistogram();
    for (const value of latA) recordMicros(expected, value);
    const a = report.configurations[0]!;
    assert.equal(a.latencyMs?.merged, 'histograms');
    assert.equal(a.latencyMs?.count, expected.totalCount);
    for (const [key, p] of [['p50', 50], ['p95', 95], ['p99', 99]] as const) {
      assert.equal(a.latencyMs?.[key], Math.round(expected.getValueAtPercentile(p)) / 1000, key);
    }
  });

  test('server cost per operation and the redo sizing rule', () => {
    const report = buildComparison([readRuns(matrixDir)]);
    const a = report.configurations[0]!;
    assert.ok(Math.abs(a.cost.fsyncsPerOp! - 0.5) < 0.01, String(a.cost.fsyncsPerOp));
    assert.ok(Math.abs(a.cost.handlerWritePerOp! - 1) < 1e-9);
    assert.equal(a.cost.logWaits, 0);
    assert.ok(Math.abs(a.redo!.bytesPerSec - 2_000_000) < 1);
    assert.ok(Math.abs(a.redo!.perFileBytes - 7_200_000_000) < 3600);
    assert.equal(a.redo!.inEffect?.variable, 'innodb_log_file_size');
  });

  test('per-run interval CI leaves out a partial last interval', () => {
    const dir = join(root, 'partial');
    mkdirSync(dir);
    writeRun(dir, { runId: 'p1', opsPerSec: 500, latencyUs: 2000, intervals: 6, lastIntervalSec: 0.3, seed: 5 });
    writeRun(dir, { runId: 'p2', opsPerSec: 500, latencyUs: 2000, intervals: 6, seed: 6 });
    const report = buildComparison([readRuns(join(dir, 'p1')), readRuns(join(dir, 'p2'))]);
    assert.equal(report.configurations.length, 2, 'two single runs are two configurations');
    assert.equal(report.configurations[0]!.runs[0]!.intervalSamples.length, 5);
    assert.equal(report.configurations[1]!.runs[0]!.intervalSamples.length, 6);
    // Single runs cannot be compared over repeats; the indicative per-interval test is offered.
    assert.equal(report.comparisons[0]!.opsPerSec.comparable, false);
    assert.ok(report.comparisons[0]!.intervals);
  });

  test('a killed run (still "running") is left out and listed as incomplete', () => {
    const dir = join(root, 'killed');
    mkdirSync(dir);
    writeRun(dir, { runId: 'ok', opsPerSec: 500, latencyUs: 2000, seed: 7 });
    writeRun(dir, { runId: 'killed', opsPerSec: 500, latencyUs: 2000, state: 'running', seed: 8 });
    mkdirSync(join(dir, 'garbage'));
    writeFileSync(join(dir, 'garbage', 'run.json'), '{"runId": "garb');
    const report = buildComparison(readRunSets([dir]));
    assert.deepEqual(report.configurations.map((c) => c.label), ['ok']);
    assert.deepEqual(report.excluded.map((e) => e.runId).sort(), ['garbage', 'killed']);
    assert.match(report.excluded.find((e) => e.runId === 'killed')!.reason, /incomplete/);
    const listing = listRuns(dir, Date.now() + 3_600_000);
    assert.deepEqual(listing.map((run) => [run.runId, run.state]).sort(), [['garbage', 'unreadable'], ['killed', 'incomplete'], ['ok', 'completed']]);
  });

  test('runs of a matrix nested in a results folder keep their labels; an unlisted run is labelled from its run.json', () => {
    const results = join(root, 'results');
    const nested = join(results, 'matrix-nested');
    mkdirSync(nested, { recursive: true });
    writeConfiguration(nested, 'n1', 800, 2, 21, { settings: { matrixId: 'matrix-nested', label: labelA, combination: {} } });
    writeConfiguration(nested, 'n2', 900, 2, 22, { settings: { matrixId: 'matrix-nested', label: labelB, combination: {} } });
    writeMatrix(nested, [labelA, labelB], [{ runId: 'n1-r1', label: labelA }, { runId: 'n2-r1', label: labelB }, { runId: 'n1-r2', label: labelA }]);
    writeRun(results, { runId: 'single', opsPerSec: 700, latencyUs: 3000, seed: 30 });
    const set = readRuns(results);
    assert.equal(set.kind, 'folder');
    assert.equal(set.runs.length, 5);
    const report = buildComparison([set]);
    const labels = report.configurations.map((c) => `${c.label}:${c.n}`);
    assert.deepEqual(labels, [`${labelA}:2`, `${labelB}:2`, 'single:1']);
  });

  test('the CLI prints the table and --json', () => {
    const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
    const result = spawnSync(process.execPath, [main, 'compare', matrixDir, '--json'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as { configurations: unknown[]; comparisons: Array<{ opsPerSecText: string }> };
    assert.equal(parsed.configurations.length, 2);
    assert.match(parsed.comparisons[0]!.opsPerSecText, /^\+\d+ % \[/);
  });
});

describe('compare over A B B A blocks', () => {
  const dir = join(root, 'matrix-blocks');
  mkdirSync(dir);
  const labelA = 'innodb_flush_log_at_trx_commit=1';
  const labelB = 'innodb_flush_log_at_trx_commit=2';
  const runs: Array<{ runId: string; label: string }> = [];
  // A shared machine drifting 15 % from block to block; B is 5 % faster within every block.
  for (let block = 1; block <= 4; block++) {
    const level = 1000 * (1 + 0.15 * (block - 1));
    for (const [i, label] of [labelA, labelB, labelB, labelA].entries()) {
      const runId = `blk${block}-${i}`;
      const opsPerSec = label === labelB ? level * 1.05 : level;
      writeRun(dir, { runId, opsPerSec, latencyUs: 4e6 / opsPerSec, intervals: 10, seed: 1000 + block * 10 + i, settings: { matrixId: 'matrix-test', label, combination: { innodb_flush_log_at_trx_commit: label.split('=')[1]! }, block } });
      runs.push({ runId, label });
    }
  }
  writeMatrix(dir, [labelA, labelB], runs);

  test('drift cancels in the paired differences: +5 % found where Welch over runs sees nothing; the verdict says so', () => {
    const report = buildComparison([readRuns(dir)], 0.95, 2);
    const comparison = report.comparisons[0]!;
    assert.equal(comparison.opsPerSec.significant, false, `Welch over runs: ${comparison.opsPerSecText}`);
    const paired = comparison.paired!;
    assert.equal(paired.whole.n, 4);
    assert.ok(paired.whole.significant && Math.abs(paired.whole.changePct - 5) < 1, `paired: ${paired.whole.changePct}`);
    assert.ok(paired.whole.detectablePct! < 5, `detectable ${paired.whole.detectablePct}`);
    assert.equal(report.targetEffectPct, 2);
    const [verdict] = verdictParagraphs(report);
    assert.match(verdict!, /^Verdict — innodb_flush_log_at_trx_commit 1 → 2: Throughput: \+\d\.\d % \[\+\d\.\d %, \+\d\.\d %\] \(paired over 4 A B B A blocks\)/);
    assert.match(verdict!, /Redo sizing rule: this load writes 1\.9 MiB\/s, so an hour needs 6\.7 GiB/);
    assert.match(verdict!, /Stalls: none/);
    const text = formatCompare(report) + formatVerdicts(report);
    assert.match(text, /paired over 4 block\(s\)/);
    assert.match(text, /smallest detectable effect \(80 % power\)  ±\d\.\d %/);
    assert.match(text, /Mechanism per 1 000 operations/);
  });

  test('an A/A matrix that finds a difference says the check failed', () => {
    const report = buildComparison([readRuns(dir)]);
    report.aa = true;
    assert.match(verdictParagraphs(report)[0]!, /A\/A CHECK FAILED/);
  });
});

describe('compare over runs too short to judge a steady state', () => {
  const dir = join(root, 'matrix-short');
  mkdirSync(dir);
  const labelA = 'innodb_io_capacity=200';
  const labelB = 'innodb_io_capacity=201';
  const runs: Array<{ runId: string; label: string }> = [];
  for (let block = 1; block <= 2; block++) {
    for (const [i, label] of [labelA, labelB, labelB, labelA].entries()) {
      const runId = `short${block}-${i}`;
      writeRun(dir, { runId, opsPerSec: 1000, latencyUs: 4000, intervals: 3, seed: 2000 + block * 10 + i, settings: { matrixId: 'matrix-short', label, combination: { innodb_io_capacity: label.split('=')[1]! }, block } });
      runs.push({ runId, label });
    }
  }
  writeMatrix(dir, [labelA, labelB], runs);

  test('three intervals a run: "too few to judge", not "never stopped trending"', () => {
    const report = buildComparison([readRuns(dir)]);
    assert.deepEqual(report.configurations.map((c) => [c.steadyRuns, c.unjudgedRuns]), [[0, 4], [0, 4]]);
    const [verdict] = verdictParagraphs(report);
    assert.match(verdict!, /Warning: 8 run\(s\) had fewer than 4 intervals, too few to judge whether they reached a steady state/);
    assert.doesNotMatch(verdict!, /never stopped trending/);
  });
});
