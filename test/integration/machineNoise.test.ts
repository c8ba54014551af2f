/**
 * End to end: a short insert-features run records the machine's own noise in every timeline row
 * (the four machine_ columns) and in run.json's summary.machine, and the summary text says it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionArgs, createTestDatabase, describeResult, parseSimpleCsv, readOnlyRunFolder, runCli, smallFeatureFile, stackTraceLines, tempDir, type TestDatabase } from '../helpers.js';

const MACHINE_COLUMNS = ['machine_other_cpu_pct', 'machine_steal_pct', 'machine_iowait_pct', 'machine_disk_busy_pct'];
let db: TestDatabase;
let results: ReturnType<typeof tempDir>;

before(async () => {
  db = await createTestDatabase();
  results = tempDir('ib-test-machine-');
});

after(async () => {
  await db?.drop();
  results?.remove();
});

test('a run records what else the machine was doing, per interval and over the window', { skip: process.platform !== 'linux' }, async () => {
  const prepared = await runCli(['prepare', 'insert-features', ...connectionArgs(db.name), '--flag', 'noise', '--groups', '2', '--members', '20', '--images', '100']);
  assert.equal(prepared.code, 0, describeResult(prepared));
  // A fixed rate: on a quiet machine two free-running workers use up the 4 000 images within the first interval.
  const args = ['run', 'insert-features', ...connectionArgs(db.name), '--flag', 'noise', '--feature-file', smallFeatureFile(), '--workers', '2', '--threads', '1', '--rate', '400/s'];
  const result = await runCli([...args, '--duration', '3s', '--interval', '1s', '--results', results.path], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, describeResult(result));
  assert.deepEqual(stackTraceLines(result.stderr), []);
  const folder = readOnlyRunFolder(results.path);

  const timeline = parseSimpleCsv(folder.read('timeline.csv'));
  assert.deepEqual(timeline.header.slice(-MACHINE_COLUMNS.length), MACHINE_COLUMNS, 'the machine columns come last');
  assert.ok(timeline.rows.length >= 2, `${timeline.rows.length} intervals`);
  const machine = folder.run.summary?.machine;
  assert.ok(machine, 'run.json has summary.machine');
  // Linux has /proc/stat's steal column, so every CPU cell is filled; the disk's only where the data
  // directory sits on a disk /proc/diskstats lists (not on a fresh machine's tmpfs): then the summary says so.
  const diskMeasured = machine.diskBusyPct !== null;
  if (!diskMeasured) assert.match(result.stdout + result.stderr, /disk busy not measured/);
  for (const row of timeline.rows) {
    for (const column of MACHINE_COLUMNS.filter((name) => diskMeasured || name !== 'machine_disk_busy_pct')) {
      const value = Number(row[column]);
      assert.ok(row[column] !== '' && value >= 0, `interval ${row.seq} ${column}=${row[column]}`);
      if (column !== 'machine_other_cpu_pct') assert.ok(value <= 100, `interval ${row.seq} ${column}=${value}`);
    }
  }

  assert.ok(machine.cores >= 1);
  for (const figure of [machine.otherCpuPct, machine.stealPct, machine.iowaitPct, ...(diskMeasured ? [machine.diskBusyPct] : [])]) {
    assert.ok(figure && figure.mean >= 0 && figure.mean <= figure.max + 0.1 && figure.maxAtSec > 0, JSON.stringify(figure));
  }
  const otherColumn = timeline.rows.map((row) => Number(row.machine_other_cpu_pct));
  assert.equal(machine.otherCpuPct!.max, Math.max(...otherColumn), 'the max is the timeline\'s');
  assert.equal(machine.disturbedCount, machine.disturbed.length);
  assert.ok(machine.disturbedCount >= otherColumn.filter((pct) => pct > 25).length, 'every interval past the other-CPU threshold is named');
  const ends = timeline.rows.map((row) => Number(row.elapsed_s));
  for (const d of machine.disturbed) assert.ok(ends.some((end) => Math.abs(end - d.atSec) < 0.002), `disturbed at ${d.atSec}s is an interval's end`);
  assert.match(result.stdout + result.stderr, /machine: other processes used [\d.]+ % of a core on average \(max [\d.]+ % at \d+s\); steal /, describeResult(result));
});
