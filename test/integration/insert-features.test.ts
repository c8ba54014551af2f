/**
 * End to end against the real server: prepare a tiny library into a database of its own, run
 * insert-features through the CLI, and check that the run folder, the table and the server's
 * counters all tell the same story.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  adminQuery,
  connectionArgs,
  createTestDatabase,
  describeResult,
  parseSimpleCsv,
  readOnlyRunFolder,
  runCli,
  smallFeatureFile,
  stackTraceLines,
  tempDir,
  type RunFolderContents,
  type TestDatabase,
} from '../helpers.js';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import { libraryTables } from '../../src/schema/tables.js';
import type { RunFile } from '../../src/results/types.js';

const FLAG = 'tiny';
const SCALE = { groups: 3, members: 10, images: 10 };
const IMAGES = SCALE.groups * SCALE.members * SCALE.images;
const TABLES = libraryTables(FLAG, [1]);
const FEATURE_TABLE = TABLES.features.get(1)!;

let db: TestDatabase;
let results: ReturnType<typeof tempDir>;

async function count(table: string): Promise<number> {
  const rows = await adminQuery<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM \`${table}\``, [], db.name);
  return Number(rows[0]!.n);
}

function prepareArgs(flag = FLAG, scale = SCALE): string[] {
  return [
    'prepare',
    'insert-features',
    ...connectionArgs(db.name),
    '--flag',
    flag,
    '--groups',
    String(scale.groups),
    '--members',
    String(scale.members),
    '--images',
    String(scale.images),
  ];
}

function runArgs(resultsRoot: string, extra: string[] = []): string[] {
  return [
    'run',
    'insert-features',
    ...connectionArgs(db.name),
    '--flag',
    FLAG,
    '--feature-file',
    smallFeatureFile(),
    '--workers',
    '10',
    '--threads',
    '2',
    '--duration',
    '5s',
    '--interval',
    '1s',
    '--results',
    resultsRoot,
    '--json',
    ...extra,
  ];
}

interface Intervals {
  timeline: Array<Record<string, string>>;
  status: Array<Record<string, string>>;
  /** Decoded histograms.jsonl lines. */
  histograms: Array<{ seq: number; op: string; totalCount: number }>;
}

/** Reads the run folder's per-interval files and checks their shape. */
function readIntervals(folder: RunFolderContents): Intervals {
  const timeline = parseSimpleCsv(folder.read('timeline.csv'));
  for (const column of ['seq', 'elapsed_s', 'op', 'ops', 'ops_per_s', 'p50_ms', 'p95_ms', 'p99_ms', 'max_ms', 'attempts', 'errors', 'retries', 'deadlocks', 'rows']) {
    assert.ok(timeline.header.includes(column), `timeline.csv has no ${column} column: ${timeline.header.join(',')}`);
  }
  for (const row of timeline.rows) {
    // A data directory on tmpfs (a fresh machine's) has no disk /proc/diskstats lists: that one cell may be empty.
    for (const [name, value] of Object.entries(row)) if (name !== 'op' && !(name === 'machine_disk_busy_pct' && value === '')) assert.ok(value !== '' && Number.isFinite(Number(value)), `timeline ${name}=${value}`);
  }
  const status = parseSimpleCsv(folder.read('status.csv'));
  for (const column of ['seq', 'elapsed_s', 'seconds', 'server_restarted', 'Com_insert', 'Com_commit', 'Threads_running']) {
    assert.ok(status.header.includes(column), `status.csv has no ${column} column`);
  }
  for (const row of status.rows) {
    // A counter the server lacks is an empty cell; every other cell is a number.
    for (const [name, value] of Object.entries(row)) assert.ok(value === '' || Number.isFinite(Number(value)), `status ${name}=${value}`);
    assert.ok(Number.isFinite(Number(row.Com_insert)) && row.Com_insert !== '', 'Com_insert is always there');
  }
  const histogramsText = folder.files.includes('histograms.jsonl') ? folder.read('histograms.jsonl') : '';
  const histograms = histogramsText
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const entry = JSON.parse(line) as { seq: number; op: string; histogram: string };
      return { seq: entry.seq, op: entry.op, totalCount: decodeHistogram(entry.histogram).totalCount };
    });
  return { timeline: timeline.rows, status: status.rows, histograms };
}

/** One timeline row (op `all`, the run has one op type) and one status row per interval, seq 1..n. */
function assertOneRowPerInterval(intervals: Intervals, run: RunFile): number {
  const seqs = intervals.timeline.map((row) => Number(row.seq));
  const n = seqs.length;
  assert.ok(n >= 1, 'at least one interval');
  assert.deepEqual(
    seqs,
    Array.from({ length: n }, (_, i) => i + 1),
    'timeline seq is 1..n, one row each',
  );
  assert.ok(
    intervals.timeline.every((row) => row.op === 'all'),
    'one op type: only the `all` row',
  );
  assert.deepEqual(
    intervals.status.map((row) => Number(row.seq)),
    seqs,
    'status.csv: one row per interval',
  );
  const elapsed = intervals.timeline.map((row) => Number(row.elapsed_s));
  for (let i = 1; i < n; i++) assert.ok(elapsed[i]! >= elapsed[i - 1]!, 'elapsed_s never goes back');
  assert.ok(Math.abs(elapsed[n - 1]! - run.summary!.elapsedSec) < 0.01, `last elapsed_s ${elapsed[n - 1]} vs summary ${run.summary!.elapsedSec}`);
  // Interval sums are the summary's figures.
  const sum = (name: string): number => intervals.timeline.reduce((total, row) => total + Number(row[name]), 0);
  assert.equal(sum('ops'), run.summary!.ops);
  assert.equal(sum('rows'), run.summary!.rows);
  assert.equal(sum('attempts'), run.summary!.attempts);
  assert.equal(sum('errors'), run.summary!.errors);
  const comInsert = intervals.status.reduce((total, row) => total + Number(row.Com_insert), 0);
  assert.equal(comInsert, run.status!.delta.Com_insert);
  // histograms.jsonl: per interval, its histogram counts that interval's successful ops.
  for (const row of intervals.timeline) {
    const inInterval = intervals.histograms.filter((h) => h.seq === Number(row.seq)).reduce((total, h) => total + h.totalCount, 0);
    assert.equal(inInterval, Number(row.ops), `interval ${row.seq}: histogram count vs ops`);
  }
  assert.ok(
    intervals.histograms.every((h) => h.seq >= 1 && h.seq <= n),
    'no histogram outside the intervals',
  );
  return n;
}

/** What every completed run folder holds. */
function assertCompleteFolder(folder: RunFolderContents, stdout: string, workers = 10, threads = 2): RunFile {
  // histograms.jsonl gets a line per op type that ran, so a run without ops may have none.
  const expected = ['run.json', 'timeline.csv', 'status.csv', 'latency.hgrm', 'latency.hlog', ...(folder.run.summary?.ops ? ['histograms.jsonl'] : [])];
  for (const name of expected) assert.ok(folder.files.includes(name), `${name} missing from ${folder.files.join(', ')}`);
  assert.ok(!folder.files.some((name) => /\.tmp$|\.innobench-tmp-\d+$/.test(name)), `leftover temp files: ${folder.files.join(', ')}`);
  assert.ok(statSync(join(folder.dir, 'latency.hgrm')).size > 0, 'latency.hgrm is not empty');
  const printed = JSON.parse(stdout) as RunFile;
  assert.deepEqual(printed, folder.run, '--json prints the final run.json');
  const run = folder.run;
  assert.equal(run.format, 1);
  assert.equal(run.state, 'completed');
  assert.equal(run.scenario, 'insert-features');
  assert.ok(run.endedAt, 'endedAt is set');
  assert.ok(run.summary, 'summary is set');
  assert.ok(run.status, 'status is set');
  assert.equal(run.error, undefined);
  assert.ok(['MariaDB', 'MySQL'].includes(run.server.flavour), run.server.flavour);
  assert.ok(run.server.version.length > 0);
  assert.equal((run.config as { workers?: number }).workers, workers);
  assert.equal((run.config as { threads?: number }).threads, threads);
  return run;
}

describe('insert-features end to end', () => {
  before(async () => {
    db = await createTestDatabase();
    results = tempDir('ib-test-results-');
  });

  after(async () => {
    await db?.drop();
    results?.remove();
  });

  test('prepare loads the library', async () => {
    const result = await runCli(prepareArgs());
    assert.equal(result.code, 0, describeResult(result));
    assert.deepEqual(stackTraceLines(result.stderr), []);
    assert.equal(await count(TABLES.group), SCALE.groups);
    assert.equal(await count(TABLES.member), SCALE.groups * SCALE.members);
    assert.equal(await count(TABLES.image), IMAGES);
    assert.equal(await count(FEATURE_TABLE), 0);
  });

  test('a second prepare of the same flag and spec has nothing to do', async () => {
    const result = await runCli(prepareArgs());
    assert.equal(result.code, 0, describeResult(result));
    assert.match(result.stderr, /nothing to do/, describeResult(result));
    assert.equal(await count(TABLES.group), SCALE.groups);
    assert.equal(await count(TABLES.image), IMAGES);
  });

  test('run: every row accounted for in the table, the counters and the run folder', async () => {
    const resultsRoot = join(results.path, 'first');
    const result = await runCli(runArgs(resultsRoot), { timeoutMs: 60_000 });
    assert.equal(result.code, 0, describeResult(result));
    assert.deepEqual(stackTraceLines(result.stderr), []);
    const folder = readOnlyRunFolder(resultsRoot);
    const run = assertCompleteFolder(folder, result.stdout);
    const summary = run.summary!;

    // 300 rows in 5 s needs only 60 inserts/s: the work runs out before the duration does.
    assert.equal(summary.endReason, 'work-done', describeResult(result));
    assert.equal(summary.ops, IMAGES);
    assert.equal(summary.rows, summary.ops, 'one row per op (autocommit, batch 1)');
    assert.equal(summary.commits, summary.ops);
    assert.equal(summary.errors, 0, JSON.stringify(summary.errorsByCode));
    assert.equal(summary.exhausted, 0);
    assert.equal(summary.attempts, summary.ops + summary.retries);
    assert.equal(await count(FEATURE_TABLE), summary.rows, 'the table holds exactly the rows the harness reports');
    // No image was given two features, and every feature is an image's.
    const orphans = await adminQuery<Array<{ n: number }>>(
      `SELECT COUNT(*) AS n FROM \`${FEATURE_TABLE}\` f LEFT JOIN \`${TABLES.image}\` i ON i.id = f.image_id WHERE i.id IS NULL`,
      [],
      db.name,
    );
    assert.equal(Number(orphans[0]!.n), 0);
    const bytes = await adminQuery<Array<{ shortest: number; longest: number }>>(
      `SELECT MIN(LENGTH(feature)) AS shortest, MAX(LENGTH(feature)) AS longest FROM \`${FEATURE_TABLE}\``,
      [],
      db.name,
    );
    assert.deepEqual(
      bytes.map((row) => [Number(row.shortest), Number(row.longest)]),
      [[2000, 2000]],
      'every feature is --feature-bytes long',
    );

    // Accounting. The table must have grown by exactly the harness's rows. Com_insert is a global
    // counter and other clients share this server, so it can only be checked as a lower bound
    // (no equality, no retry): comInsertDelta >= harnessRows.
    const accounting = summary.accounting;
    assert.ok(accounting, 'the run has an accounting section');
    assert.equal(accounting.harnessRows, summary.rows);
    assert.equal(accounting.tableRowsDelta, accounting.harnessRows);
    assert.equal(accounting.tableRowsBefore, 0);
    assert.equal(accounting.tableRowsAfter, IMAGES);
    assert.ok(accounting.comInsertDelta >= accounting.harnessRows, `Com_insert +${accounting.comInsertDelta} < harness rows ${accounting.harnessRows}`);
    assert.equal(run.status!.delta.Com_insert, accounting.comInsertDelta);

    // The latency histogram counts the successful ops, no more, no less.
    const intervals = readIntervals(folder);
    const histogramTotal = intervals.histograms.reduce((total, h) => total + h.totalCount, 0);
    assert.equal(histogramTotal, summary.ops, 'histograms.jsonl counts every successful op once');
    assert.ok(summary.latencyMs.p50 > 0 && summary.latencyMs.p50 <= summary.latencyMs.p95, JSON.stringify(summary.latencyMs));
    assert.ok(summary.latencyMs.p95 <= summary.latencyMs.p99 && summary.latencyMs.p99 <= summary.latencyMs.max);
    assert.match(folder.read('latency.hgrm'), new RegExp(`Total count\\s*=\\s*${summary.ops}\\]`));
    assertOneRowPerInterval(intervals, run);
  });

  test('a second run with no pending work ends at once and fails, saying why: work-done, 0 ops', async () => {
    const resultsRoot = join(results.path, 'second');
    const result = await runCli(runArgs(resultsRoot), { timeoutMs: 60_000 });
    // A run that did nothing measured nothing: exit 1 (failed), with the reason on stderr.
    assert.equal(result.code, 1, describeResult(result));
    assert.deepEqual(stackTraceLines(result.stderr), []);
    assert.match(result.stderr, /run failed: no operation was done: the workers found no work left/, describeResult(result));
    const folder = readOnlyRunFolder(resultsRoot);
    const run = folder.run;
    assert.deepEqual(JSON.parse(result.stdout), run, '--json still prints the final run.json');
    assert.equal(run.state, 'failed');
    assert.match(run.error ?? '', /^no operation was done/);
    const summary = run.summary!;
    assert.equal(summary.endReason, 'work-done');
    assert.equal(summary.ops, 0);
    assert.equal(summary.rows, 0);
    assert.equal(summary.attempts, 0);
    assert.ok(summary.elapsedSec < 2, `took ${summary.elapsedSec}s with nothing to do`);
    assert.equal(summary.accounting?.harnessRows, 0);
    assert.equal(summary.accounting?.tableRowsDelta, 0);
    assert.equal(await count(FEATURE_TABLE), IMAGES);
    const intervals = readIntervals(folder);
    assertOneRowPerInterval(intervals, run);
  });

  test('a run longer than the work lasts ends at its duration, one row per interval', async (t) => {
    // A library too big to finish in 3 s with 2 workers (15 000 images; 2 autocommit connections
    // manage about 1 500 inserts/s here), run for 3 × 1 s intervals.
    const flag = 'long';
    const scale = { groups: 3, members: 50, images: 100 };
    const prepared = await runCli(prepareArgs(flag, scale), { timeoutMs: 120_000 });
    assert.equal(prepared.code, 0, describeResult(prepared));
    const resultsRoot = join(results.path, 'long');
    const args = runArgs(resultsRoot);
    const set = (name: string, value: string): void => {
      args[args.indexOf(name) + 1] = value;
    };
    set('--flag', flag);
    set('--workers', '2');
    set('--threads', '1');
    set('--duration', '3s');
    const result = await runCli(args, { timeoutMs: 60_000 });
    assert.equal(result.code, 0, describeResult(result));
    const folder = readOnlyRunFolder(resultsRoot);
    const run = assertCompleteFolder(folder, result.stdout, 2, 1);
    const summary = run.summary!;
    const feature = libraryTables(flag, [1]).features.get(1)!;
    assert.equal(await count(feature), summary.rows);
    assert.equal(summary.accounting?.tableRowsDelta, summary.rows);
    assert.ok(summary.rows > 0);
    const n = assertOneRowPerInterval(readIntervals(folder), run);
    t.diagnostic(`${summary.endReason} after ${summary.elapsedSec}s: ${summary.rows} rows, ${n} intervals`);
    if (summary.endReason === 'duration') {
      const elapsed = readIntervals(folder).timeline.map((row) => Number(row.elapsed_s));
      // A 4th, tiny interval means the 3 s tick fired a hair early (timers may) and was not taken as the last.
      assert.equal(n, 3, `a 3 s run at 1 s intervals has 3 intervals, not ${n}: elapsed_s ${elapsed.join(', ')}`);
      assert.ok(summary.elapsedSec >= 2.9 && summary.elapsedSec < 4, `elapsed ${summary.elapsedSec}`);
      assert.ok(summary.rows < scale.groups * scale.members * scale.images);
    } else {
      // Only a very fast server finishes 15 000 inserts with 2 connections in 3 s.
      assert.equal(summary.endReason, 'work-done');
      assert.equal(summary.rows, scale.groups * scale.members * scale.images);
    }
    assert.ok(existsSync(join(folder.dir, 'latency.hgrm')));
  });

  test('SIGINT stops the run cleanly: state interrupted, files complete, every row accounted for', async () => {
    // A library of its own, at a fixed rate: 10 000 images at 500/s outlast the run by far, however
    // fast the server (a closed loop on a quiet machine finished the earlier `long` library in 2 s).
    const flag = 'sigint';
    const prepared = await runCli(prepareArgs(flag, { groups: 2, members: 50, images: 100 }), { timeoutMs: 120_000 });
    assert.equal(prepared.code, 0, describeResult(prepared));
    const resultsRoot = join(results.path, 'interrupted');
    const args = runArgs(resultsRoot, ['--rate', '500/s']);
    const set = (name: string, value: string): void => {
      args[args.indexOf(name) + 1] = value;
    };
    set('--flag', flag);
    set('--workers', '2');
    set('--threads', '1');
    set('--duration', '60s');
    set('--interval', '500ms');
    let signalled = false;
    const result = await runCli(args, {
      timeoutMs: 30_000,
      watch: (child) => {
        child.stderr?.on('data', (chunk: Buffer | string) => {
          // The first interval line: the load is running.
          if (!signalled && /ops\/s:/.test(String(chunk))) {
            signalled = true;
            child.kill('SIGINT');
          }
        });
      },
    });
    assert.ok(signalled, describeResult(result));
    assert.ok(result.code === 0 || result.code === 130, describeResult(result));
    assert.deepEqual(stackTraceLines(result.stderr), []);
    const folder = readOnlyRunFolder(resultsRoot);
    const run = folder.run;
    assert.equal(run.state, 'interrupted');
    assert.equal(run.summary?.endReason, 'interrupted');
    assert.ok(run.summary!.elapsedSec < 10, `stopped after ${run.summary!.elapsedSec}s`);
    assert.ok(run.summary!.ops > 0);
    assert.equal(run.summary?.accounting?.tableRowsDelta, run.summary?.rows, 'operations in flight were finished and counted');
    assert.ok(folder.files.includes('latency.hgrm'));
    assertOneRowPerInterval(readIntervals(folder), run);
    assert.deepEqual(JSON.parse(result.stdout), run, '--json still prints the final run.json');
  });

  test('--batch 7: transactions of 7 rows, the last one shorter, all accounted for', async () => {
    const flag = 'batch';
    const prepared = await runCli(prepareArgs(flag));
    assert.equal(prepared.code, 0, describeResult(prepared));
    const resultsRoot = join(results.path, 'batch');
    const args = runArgs(resultsRoot, ['--batch', '7']);
    args[args.indexOf('--flag') + 1] = flag;
    const result = await runCli(args);
    assert.equal(result.code, 0, describeResult(result));
    const run = assertCompleteFolder(readOnlyRunFolder(resultsRoot), result.stdout);
    const summary = run.summary!;
    const feature = libraryTables(flag, [1]).features.get(1)!;
    assert.equal(summary.endReason, 'work-done');
    assert.equal(summary.rows, IMAGES);
    assert.equal(await count(feature), IMAGES);
    assert.equal(summary.accounting?.tableRowsDelta, IMAGES);
    assert.ok(summary.accounting!.comInsertDelta >= IMAGES);
    // Each worker's share is cut into transactions of at most 7 rows: at least 300 / 7 of them.
    assert.ok(summary.ops >= Math.ceil(IMAGES / 7) && summary.ops < IMAGES, `ops ${summary.ops}`);
    assert.equal(summary.commits, summary.ops);
    assert.equal(summary.errors, 0, JSON.stringify(summary.errorsByCode));
    assert.equal(summary.rollbacks, summary.deadlocks + summary.lockWaitTimeouts, 'a ROLLBACK only after a failed transaction');
  });
});
