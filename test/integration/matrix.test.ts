/**
 * A real matrix on the dynamic innodb_flush_log_at_trx_commit: two values × two repeats at tiny
 * scale, interleaved; every value verified before its run; four run folders carrying the settings
 * in effect; matrix.json describing it all; the variable back at its original value afterwards —
 * and the same when the matrix is interrupted with SIGINT in the middle of a run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MatrixFile, StoredRun } from '../../src/results/readRuns.js';
import { adminQuery, connectionArgs, createTestDatabase, describeResult, featureFileArgs, runCli, tempDir, type TestDatabase, onlyMatrixFolder, readJson } from '../helpers.js';

const VARIABLE = 'innodb_flush_log_at_trx_commit';
const FLAG = 'mt';

async function currentValue(): Promise<string> {
  const rows = await adminQuery<Array<{ Value: string }>>('SHOW GLOBAL VARIABLES LIKE ?', [VARIABLE]);
  return rows[0]!.Value;
}

describe('innobench matrix', () => {
  let db: TestDatabase;
  let original = '';

  before(async () => {
    db = await createTestDatabase();
    // tiny scale, 250 images per member: enough rows that 2 s runs end by duration, not by work running out.
    const prepare = await runCli(['prepare', 'insert-features', '--scale', 'tiny', '--images', '250', '--flag', FLAG, ...featureFileArgs(), ...connectionArgs(db.name)]);
    assert.equal(prepare.code, 0, describeResult(prepare));
    original = await currentValue();
  });

  after(async () => {
    await db?.drop();
  });

  function runArgs(duration = '2s'): string[] {
    return ['--', 'run', 'insert-features', '--flag', FLAG, ...featureFileArgs(), '--workers', '4', '--duration', duration, '--interval', '500ms'];
  }

  test('2 values × 2 repeats: verified, recorded, interleaved, restored', async () => {
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

  test('SIGINT in the middle of a run: the run stops, the variable is restored, matrix.json says so', async () => {
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
        // A run long enough that the signal lands inside it on a loaded machine too (with 2 s it
        // could arrive after the run's end, during its accounting: the run then completed), at a
        // fixed rate so that the library (10 000 images) lasts 20 s.
        ['matrix', '--set', `${VARIABLE}=${changed},${original}`, '--repeat', '2', '--results', results.path, ...connectionArgs(db.name), ...runArgs('30s'), '--rate', '500/s'],
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

  test('a variable SET GLOBAL cannot change is refused up front without --restart-cmd (exit 2, nothing changed)', async () => {
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
