/**
 * A real matrix on the dynamic innodb_flush_log_at_trx_commit: two values × two repeats at tiny
 * scale, interleaved; every value verified before its run; four run folders carrying the settings
 * in effect; matrix.json describing it all; the variable back at its original value afterwards —
 * and the same when the matrix is interrupted with SIGINT in the middle of a run.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MatrixFile, StoredRun } from '../results/readRuns.js';
import { combinations, parseSetOption, runOrder, valuesMatch } from './settings.js';
import { extractOption } from './matrix.js';
import { CLI, adminQuery, connectionArgs, createTestDatabase, describeResult, featureFileArgs, runCli, tempDir, type TestDatabase } from '../../test/helpers.js';

const VARIABLE = 'innodb_flush_log_at_trx_commit';
const FLAG = 'mt';

async function currentValue(): Promise<string> {
  const rows = await adminQuery<Array<{ Value: string }>>('SHOW GLOBAL VARIABLES LIKE ?', [VARIABLE]);
  return rows[0]!.Value;
}

function onlyMatrixFolder(results: string): string {
  const folders = readdirSync(results).filter((name) => name.startsWith('matrix-'));
  assert.equal(folders.length, 1, `matrix folders: ${folders.join(', ')}`);
  return join(results, folders[0]!);
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

let registered = true;
function requireMatrix(t: TestContext): boolean {
  if (!registered) t.skip('matrix is not registered in main.ts yet');
  return registered;
}

describe('matrix settings logic (no server)', () => {
  test('sizes become bytes; values and names are checked', () => {
    const parsed = parseSetOption('innodb-log-file-size=48M,1G');
    assert.ok(parsed.ok);
    assert.equal(parsed.value.name, 'innodb_log_file_size');
    assert.deepEqual(parsed.value.values.map((v) => [v.text, v.value, v.isSize]), [['48M', 50331648, true], ['1G', 1073741824, true]]);
    assert.deepEqual(parseSetOption('innodb_flush_method=O_DIRECT'), { ok: true, value: { name: 'innodb_flush_method', values: [{ text: 'O_DIRECT', value: 'O_DIRECT', isSize: false }] } });
    assert.equal(parseSetOption('x=1,1').ok, false);
    assert.equal(parseSetOption('1bad=1').ok, false);
    assert.equal(parseSetOption('novalue').ok, false);
    assert.equal(parseSetOption("sql_mode='x'").ok, false);
  });

  test('combinations and run orders: interleaved A B A B, random reproducible from its seed', () => {
    const combos = combinations([
      { name: 'a', values: [{ text: '1', value: 1, isSize: false }, { text: '2', value: 2, isSize: false }] },
      { name: 'b', values: [{ text: 'x', value: 'x', isSize: false }, { text: 'y', value: 'y', isSize: false }] },
    ]);
    assert.deepEqual(combos.map((c) => c.label), ['a=1 b=x', 'a=1 b=y', 'a=2 b=x', 'a=2 b=y']);
    assert.deepEqual(runOrder(2, 2, 'interleaved').map((r) => r.combination), [0, 1, 0, 1]);
    const shuffled = runOrder(4, 3, 'random', 42);
    assert.deepEqual(shuffled, runOrder(4, 3, 'random', 42));
    assert.notDeepEqual(shuffled.map((r) => r.combination), runOrder(4, 3, 'interleaved').map((r) => r.combination));
    for (let c = 0; c < 4; c++) assert.deepEqual(shuffled.filter((r) => r.combination === c).map((r) => r.repeat).sort(), [1, 2, 3]);
  });

  test('verification: exact, boolean words, and sizes rounded within the block size only', () => {
    const size = { text: '50000000', value: 50000000, isSize: false };
    assert.equal(valuesMatch('innodb_log_file_size', size, '49999872', 4096).ok, true);
    assert.equal(valuesMatch('innodb_log_file_size', size, '49995776', 4096).ok, false);
    assert.equal(valuesMatch('innodb_log_file_size', size, '49999872', null).ok, true, '1 MiB when the block size is unknown');
    assert.equal(valuesMatch('innodb_flush_log_at_trx_commit', { text: '2', value: 2, isSize: false }, '2', null).ok, true);
    assert.equal(valuesMatch('innodb_flush_log_at_trx_commit', { text: '2', value: 2, isSize: false }, '1', null).ok, false);
    assert.equal(valuesMatch('innodb_io_capacity', { text: '2000', value: 2000, isSize: false }, '1999', 1).ok, false, 'no tolerance for counts');
    assert.equal(valuesMatch('innodb_doublewrite', { text: 'OFF', value: 'OFF', isSize: false }, '0', null).ok, true);
    assert.equal(valuesMatch('innodb_flush_method', { text: 'o_direct', value: 'o_direct', isSize: false }, 'O_DIRECT', null).ok, true);
    assert.equal(valuesMatch('long_query_time', { text: '0.5', value: 0.5, isSize: false }, '0.500000', null).ok, true);
  });

  test('connection options are taken out of the run options', () => {
    const tokens = ['--flag', 'x', '--database', 'db1', '--password=s3cret', '--workers', '4'];
    assert.equal(extractOption(tokens, 'database'), 'db1');
    assert.equal(extractOption(tokens, 'password'), 's3cret');
    assert.deepEqual(tokens, ['--flag', 'x', '--workers', '4']);
  });
});

describe('innobench matrix', () => {
  let db: TestDatabase;
  let original = '';

  before(async () => {
    const help = spawnSync(process.execPath, [CLI, 'matrix', '--help'], { encoding: 'utf8' });
    registered = help.status === 0 && /--set/.test(help.stdout);
    if (!registered) return;
    db = await createTestDatabase();
    // tiny scale, 250 images per member: enough rows that 2 s runs end by duration, not by work running out.
    const prepare = await runCli(['prepare', 'insert-features', '--scale', 'tiny', '--images', '250', '--flag', FLAG, ...featureFileArgs(), ...connectionArgs(db.name)]);
    assert.equal(prepare.code, 0, describeResult(prepare));
    original = await currentValue();
  });

  after(async () => {
    await db?.drop();
  });

  function runArgs(): string[] {
    return ['--', 'run', 'insert-features', '--flag', FLAG, ...featureFileArgs(), '--workers', '4', '--duration', '2s', '--interval', '500ms'];
  }

  test('2 values × 2 repeats: verified, recorded, interleaved, restored', async (t) => {
    if (!requireMatrix(t)) return;
    const results = tempDir('ib-matrix-test-');
    try {
      const result = await runCli(
        ['matrix', '--set', `${VARIABLE}=1,2`, '--repeat', '2', '--results', results.path, ...connectionArgs(db.name), ...runArgs()],
        { timeoutMs: 60_000 },
      );
      assert.equal(result.code, 0, describeResult(result));
      assert.equal(await currentValue(), original, 'the variable is back at its original value');
      assert.match(result.stderr, /verified: innodb_flush_log_at_trx_commit = 1/);
      assert.match(result.stderr, /verified: innodb_flush_log_at_trx_commit = 2/);
      assert.match(result.stdout, /innobench compare: 2 configuration\(s\), 4 completed run\(s\)/);

      const folder = onlyMatrixFolder(results.path);
      const matrix = readJson<MatrixFile>(join(folder, 'matrix.json'));
      assert.equal(matrix.state, 'completed');
      assert.equal(matrix.order, 'interleaved');
      assert.deepEqual(matrix.settings, [{ name: VARIABLE, values: ['1', '2'] }]);
      assert.deepEqual(matrix.combinations.map((c) => c.label), [`${VARIABLE}=1`, `${VARIABLE}=2`]);
      assert.deepEqual(matrix.runs.map((r) => [r.label, r.repeat, r.state]), [
        [`${VARIABLE}=1`, 1, 'completed'],
        [`${VARIABLE}=2`, 1, 'completed'],
        [`${VARIABLE}=1`, 2, 'completed'],
        [`${VARIABLE}=2`, 2, 'completed'],
      ]);
      assert.equal(matrix.original[VARIABLE], original);
      assert.ok(matrix.runArgs.includes('--fresh'), 'every run starts from an empty feature table');
      assert.ok(!matrix.runArgs.some((arg) => /password/.test(arg)), 'no connection option in the run arguments');
      if (original !== '2') assert.deepEqual(matrix.restored.map((r) => [r.name, r.value, r.ok]), [[VARIABLE, original, true]]);

      const runFolders = readdirSync(folder).filter((name) => existsSync(join(folder, name, 'run.json')));
      assert.equal(runFolders.length, 4);
      for (const record of matrix.runs) {
        assert.ok(record.runId && runFolders.includes(record.runId), `run ${record.position} has its folder`);
        const wanted = record.label.split('=')[1]!;
        assert.deepEqual(record.applied?.map((a) => [a.name, a.inEffect, a.match]), [[VARIABLE, wanted, 'equal']]);
        const run = readJson<StoredRun>(join(folder, record.runId!, 'run.json'));
        assert.equal(run.state, 'completed');
        assert.equal(run.config.fresh, true);
        assert.equal(run.settings?.label, record.label);
        assert.equal(run.settings?.matrixId, matrix.matrixId);
        assert.equal(run.settings?.applied[0]?.inEffect, wanted);
        // The run's own snapshot of the server, taken at its start, saw the value in effect.
        assert.equal(run.server.variables[VARIABLE], wanted);
      }
    } finally {
      results.remove();
      assert.equal(await currentValue(), original);
    }
  });

  test('SIGINT in the middle of a run: the run stops, the variable is restored, matrix.json says so', async (t) => {
    if (!requireMatrix(t)) return;
    const results = tempDir('ib-matrix-sigint-test-');
    // The first configuration differs from the original value, so that a restore is visible.
    const changed = original === '1' ? '2' : '1';
    let matrixProcess: ChildProcess | undefined;
    let sent = false;
    const watcher = setInterval(() => {
      if (sent || !matrixProcess) return;
      // Interrupt once the first run is producing intervals.
      const folders = existsSync(results.path) ? readdirSync(results.path).filter((name) => name.startsWith('matrix-')) : [];
      if (folders.length !== 1) return;
      const folder = join(results.path, folders[0]!);
      const runs = readdirSync(folder).filter((name) => existsSync(join(folder, name, 'timeline.csv')));
      if (runs.length === 1 && readFileSync(join(folder, runs[0]!, 'timeline.csv'), 'utf8').split('\n').length >= 3) {
        sent = true;
        matrixProcess.kill('SIGINT');
      }
    }, 50);
    try {
      const result = await runCli(
        ['matrix', '--set', `${VARIABLE}=${changed},${original}`, '--repeat', '2', '--results', results.path, ...connectionArgs(db.name), ...runArgs()],
        { timeoutMs: 60_000, watch: (child) => (matrixProcess = child) },
      );
      clearInterval(watcher);
      assert.ok(sent, `the matrix ended before it could be interrupted: ${describeResult(result)}`);
      assert.equal(result.code, 130, describeResult(result));
      assert.equal(await currentValue(), original, 'the variable is back at its original value');
      assert.match(result.stderr, new RegExp(`restored ${VARIABLE} = ${original}`));

      const folder = onlyMatrixFolder(results.path);
      const matrix = readJson<MatrixFile>(join(folder, 'matrix.json'));
      assert.equal(matrix.state, 'interrupted');
      assert.deepEqual(matrix.restored.map((r) => [r.name, r.value, r.ok]), [[VARIABLE, original, true]]);
      assert.equal(matrix.runs[0]!.state, 'interrupted');
      assert.deepEqual(matrix.runs[0]!.applied?.map((a) => a.inEffect), [changed]);
      assert.deepEqual(matrix.runs.slice(1).map((r) => r.state), ['pending', 'pending', 'pending']);
      const run = readJson<StoredRun>(join(folder, matrix.runs[0]!.runId!, 'run.json'));
      assert.equal(run.state, 'interrupted');
      assert.equal(run.settings?.applied[0]?.inEffect, changed);
    } finally {
      clearInterval(watcher);
      results.remove();
      assert.equal(await currentValue(), original);
    }
  });

  test('a variable SET GLOBAL cannot change is refused up front without --restart-cmd (exit 2, nothing changed)', async (t) => {
    if (!requireMatrix(t)) return;
    const results = tempDir('ib-matrix-readonly-test-');
    try {
      const result = await runCli(['matrix', '--set', 'innodb_flush_method=O_DSYNC,O_DIRECT', '--repeat', '1', '--results', results.path, ...connectionArgs(db.name), ...runArgs()]);
      assert.equal(result.code, 2, describeResult(result));
      assert.match(result.stderr, /innodb_flush_method cannot be changed while the server runs/);
      assert.match(result.stderr, /--restart-cmd/);
      assert.deepEqual(readdirSync(results.path), [], 'no matrix folder for a refused matrix');
    } finally {
      results.remove();
    }
  });
});
