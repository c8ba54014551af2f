/**
 * Settings applied for real on a private MariaDB started by scripts/private-mariadb.sh (its own
 * folder, port and drop-in folder; started and stopped as a service manager would, not as this
 * process's child), so that the matrix's --restart-cmd meets a real restart:
 * - innodb_flush_method=fsync,O_DIRECT,O_DSYNC through the drop-in and restarts: each verified in
 *   effect, the original back afterwards, no drop-in left, the journal empty;
 * - SIGTERM in the middle of a matrix that changed a restart-only variable (drop-in) and a dynamic
 *   one (SET GLOBAL): the run stops, the drop-in goes, the server restarts, every value is back,
 *   nothing is left in the journal.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysqlPromise from 'mysql2/promise';
import type { MatrixFile } from '../../src/results/readRuns.js';
import { describeResult, ROOT, runCli, smallFeatureFile, tempDir } from '../helpers.js';
import { disposableServerSkipReason, freePort, onStderrLines } from '../support/disposableServer.js';

const SCRIPT = join(ROOT, 'scripts', 'private-mariadb.sh');
const DATABASE = 'ib_fault_settings';
const FLAG = 'st';
const skip = disposableServerSkipReason() || (process.getuid?.() !== 0 ? 'the private server script runs mariadbd as root' : false);

let dir: ReturnType<typeof tempDir>;
let serverDir = '';
let port = 0;

function script(...args: string[]): string {
  const result = spawnSync(SCRIPT, args, { encoding: 'utf8', env: { ...process.env, IB_PRIVATE_OWNER_PID: String(process.pid), IB_PRIVATE_BUFFER_POOL: '64M', IB_PRIVATE_REDO: '16M' } });
  assert.equal(result.status, 0, `${SCRIPT} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

async function query<T>(sql: string, params: unknown[] = []): Promise<T> {
  const connection = await mysqlPromise.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', connectTimeout: 5000 });
  try {
    const [rows] = await connection.query(sql, params);
    return rows as T;
  } finally {
    await connection.end();
  }
}

async function variable(name: string): Promise<string> {
  return (await query<Array<{ Value: string }>>('SHOW GLOBAL VARIABLES LIKE ?', [name]))[0]?.Value ?? '';
}

async function journalRows(): Promise<number> {
  return (await query<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM ${DATABASE}.innobench_journal`))[0]!.n;
}

function connection(): string[] {
  return ['--host', '127.0.0.1', '--port', String(port), '--user', 'root', '--password=', '--database', DATABASE];
}

function runPart(duration: string): string[] {
  return ['--', 'run', 'insert-features', '--flag', FLAG, '--feature-file', smallFeatureFile(), '--workers', '4', '--duration', duration, '--interval', '1s', '--rate', '300/s'];
}

function onlyMatrix(results: string): MatrixFile {
  const folders = readdirSync(results).filter((name) => name.startsWith('matrix-'));
  assert.equal(folders.length, 1);
  return JSON.parse(readFileSync(join(results, folders[0]!, 'matrix.json'), 'utf8')) as MatrixFile;
}

describe('settings through a real restart of a private MariaDB', { skip, timeout: 600_000 }, () => {
  before(async () => {
    dir = tempDir('ib-test-settings-');
    serverDir = join(dir.path, 'server');
    port = await freePort();
    script('start', serverDir, String(port));
    await query(`CREATE DATABASE ${DATABASE}`);
    const prepared = await runCli(['prepare', 'insert-features', ...connection(), '--flag', FLAG, '--groups', '4', '--members', '100', '--images', '20'], { timeoutMs: 120_000 });
    assert.equal(prepared.code, 0, describeResult(prepared));
  });

  after(() => {
    if (serverDir) spawnSync(SCRIPT, ['remove', serverDir]);
    dir?.remove();
  });

  test('innodb_flush_method=fsync,O_DIRECT,O_DSYNC: each through the drop-in and a real restart, verified, then the original back', async () => {
    const original = await variable('innodb_flush_method');
    const dropIn = join(serverDir, 'conf.d', '99-innobench.cnf');
    const results = join(dir.path, 'flush');
    const result = await runCli(
      ['matrix', '--set', 'innodb_flush_method=fsync,O_DIRECT,O_DSYNC', '--repeat', '1', '--results', results, '--restart-cmd', `${SCRIPT} restart ${serverDir}`, '--drop-in', dropIn, ...connection(), ...runPart('2s')],
      { timeoutMs: 300_000 },
    );
    assert.equal(result.code, 0, describeResult(result));
    const matrix = onlyMatrix(results);
    assert.deepEqual(
      matrix.runs.map((run) => run.applied?.map((a) => [a.name, a.inEffect, a.method])),
      [[['innodb_flush_method', 'fsync', 'restart']], [['innodb_flush_method', 'O_DIRECT', 'restart']], [['innodb_flush_method', 'O_DSYNC', 'restart']]],
    );
    assert.equal(await variable('innodb_flush_method'), original);
    assert.deepEqual(matrix.restored.map((r) => [r.name, r.value, r.ok]), [['innodb_flush_method', original, true]]);
    assert.ok(!existsSync(dropIn), 'the drop-in innobench created is gone');
    assert.deepEqual(readdirSync(join(serverDir, 'conf.d')), []);
    assert.equal(await journalRows(), 0, 'nothing left in the journal');
    assert.match(result.stdout, /Verdict — innodb_flush_method fsync → O_DIRECT/);
    assert.doesNotMatch(result.stderr, /did not end cleanly/, 'after each restart the matrix still owns its journal entries');
  });

  test('a redo size set by restart (--via-restart): the drop-in, a real restart, the log file of that size; the original back', async () => {
    const original = await variable('innodb_log_file_size');
    const dropIn = join(serverDir, 'conf.d', '99-innobench.cnf');
    const results = join(dir.path, 'redo');
    const result = await runCli(
      ['matrix', '--set', 'innodb_log_file_size=24M,32M', '--via-restart', 'innodb_log_file_size', '--repeat', '1', '--results', results, '--restart-cmd', `${SCRIPT} restart ${serverDir}`, '--drop-in', dropIn, ...connection(), ...runPart('2s')],
      { timeoutMs: 300_000 },
    );
    assert.equal(result.code, 0, describeResult(result));
    const matrix = onlyMatrix(results);
    const mib = 1024 * 1024;
    assert.deepEqual(
      matrix.runs.map((run) => run.applied?.map((a) => [a.name, a.inEffect, a.method, a.match])),
      [24, 32].map((size) => [['innodb_log_file_size', String(size * mib), 'restart', `equal; ib_logfile0 is ${size * mib} bytes`]]),
    );
    assert.equal(await variable('innodb_log_file_size'), original);
    assert.ok(!existsSync(dropIn));
    assert.equal(await journalRows(), 0);
  });

  test('SIGTERM mid-matrix with a drop-in and a SET GLOBAL: every value back, the drop-in gone, the journal empty', async () => {
    const flushMethod = await variable('innodb_flush_method');
    const ioCapacity = await variable('innodb_io_capacity');
    const dropIn = join(serverDir, 'conf.d', '99-innobench.cnf');
    const results = join(dir.path, 'sigterm');
    let sawDropIn = false;
    let changedCapacity = '';
    const result = await runCli(
      ['matrix', '--set', 'innodb_flush_method=O_DSYNC,fsync', '--set', `innodb_io_capacity=${Number(ioCapacity) + 11}`, '--repeat', '2', '--results', results, '--restart-cmd', `${SCRIPT} restart ${serverDir}`, '--drop-in', dropIn, ...connection(), ...runPart('20s')],
      {
        timeoutMs: 300_000,
        watch: (child) => {
          void onStderrLines(child, [
            {
              pattern: /^\[ 2s \]/,
              action: async () => {
                sawDropIn = existsSync(dropIn);
                changedCapacity = await variable('innodb_io_capacity');
                child.kill('SIGTERM');
              },
            },
          ]).catch(() => undefined);
        },
      },
    );
    assert.ok(sawDropIn, `the drop-in was in place while the run ran\n${describeResult(result)}`);
    assert.equal(changedCapacity, String(Number(ioCapacity) + 11), 'the dynamic variable was changed while the run ran');
    assert.equal(result.code, 143, `128 + SIGTERM, as the rest of the CLI exits on it\n${describeResult(result)}`);
    assert.equal(await variable('innodb_flush_method'), flushMethod);
    assert.equal(await variable('innodb_io_capacity'), ioCapacity);
    assert.ok(!existsSync(dropIn), 'the drop-in is gone');
    assert.equal(await journalRows(), 0, 'nothing left in the journal');
    assert.doesNotMatch(result.stderr, /did not end cleanly/, 'after a restart the matrix still owns its journal entries');
    const matrix = onlyMatrix(results);
    assert.equal(matrix.state, 'interrupted');
    assert.deepEqual(matrix.restored.map((r) => [r.name, r.ok]).sort(), [['innodb_flush_method', true], ['innodb_io_capacity', true]]);
  });
});
