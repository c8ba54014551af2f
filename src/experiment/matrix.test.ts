/**
 * The matrix's plan, with no server: `--set` parsing, combinations, run orders, the verification
 * rule, and matrix.json as a matrix starts it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { combinations, parseSetOption, runOrder, valueLiteral, valuesMatch } from './settingSpec.js';
import { matrixFolderName, newMatrixFile, type MatrixPlan } from './matrixPlan.js';

describe('the matrix plan: settings, combinations, order, verification', () => {
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

  test('blocks order: A B B A per block, each combination twice a block, numbered repeats', () => {
    const order = runOrder(2, 2, 'blocks');
    assert.deepEqual(order.map((r) => `${'AB'[r.combination]}${r.block}`), ['A1', 'B1', 'B1', 'A1', 'A2', 'B2', 'B2', 'A2']);
    assert.deepEqual(order.filter((r) => r.combination === 0).map((r) => r.repeat), [1, 2, 3, 4]);
    assert.deepEqual(runOrder(3, 1, 'blocks').map((r) => r.combination), [0, 1, 2, 2, 1, 0]);
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
    assert.equal(valuesMatch('innodb_flush_log_at_trx_commit', { text: '2', value: 2, isSize: false }, undefined, null).ok, false, 'a variable the server does not report');
  });

  test('a SHOW GLOBAL VARIABLES value as a SET GLOBAL literal: numbers as numbers', () => {
    assert.equal(valueLiteral('48'), 48);
    assert.equal(valueLiteral('0.500000'), 0.5);
    assert.equal(valueLiteral('-1'), -1);
    assert.equal(valueLiteral('O_DIRECT'), 'O_DIRECT');
    assert.equal(valueLiteral(''), '');
  });
});

describe('matrix.json as a matrix starts', () => {
  const specs = [parseSetOption('innodb_flush_log_at_trx_commit=1,2'), parseSetOption('back_log=60')].map((parsed) => {
    assert.ok(parsed.ok);
    return parsed.value;
  });
  const plan: MatrixPlan = {
    specs,
    combinations: combinations(specs),
    order: 'random',
    seed: 7,
    repeat: 2,
    warmupMs: 1000,
    settleMs: 0,
    aa: false,
    targetEffectPct: null,
    budgetMs: null,
    external: null,
    viaRestart: [],
    restart: { command: 'mysqladmin -pS3cret-x shutdown; start-db', shownCommand: 'mysqladmin -p*** shutdown; start-db', dropIn: '/etc/mysql/conf.d/99-ib.cnf', timeoutMs: 60_000 },
    resultsRoot: '/tmp/results',
    connection: { host: 'db', port: 3307, user: 'bench', password: 'S3cret-x', database: 'ib', ssl: { mode: 'REQUIRED' } },
    defaultsFile: undefined,
    scenario: 'insert-features',
    runArgs: ['--workers', '4', '--fresh', '--listen', '9464', '--prometheus-remote-write', 'http://rw:S3cret-x@prom:9090/api/v1/write'],
    warmupArgs: ['--workers', '4', '--fresh', '--duration', '1000ms'],
    durationMs: 2000,
    cliEntry: '/x/main.js',
    switchback: null,
  };

  test('folder name from the start time (UTC)', () => {
    assert.equal(matrixFolderName(new Date('2026-01-02T03:04:05.678Z')), 'matrix-20260102-030405');
  });

  test('every planned run pending, in the planned order; the restart command only masked; no password', () => {
    const order = runOrder(plan.combinations.length, plan.repeat, plan.order, plan.seed);
    const matrix = newMatrixFile(plan, 'matrix-x', order, { innodb_flush_log_at_trx_commit: '1', back_log: '80' }, new Date('2026-01-02T03:04:05Z'));
    assert.equal(matrix.state, 'running');
    assert.equal(matrix.startedAt, '2026-01-02T03:04:05.000Z');
    assert.equal(matrix.seed, 7);
    assert.equal(matrix.warmupMs, 1000);
    assert.deepEqual(matrix.settings, [
      { name: 'innodb_flush_log_at_trx_commit', values: ['1', '2'] },
      { name: 'back_log', values: ['60'] },
    ]);
    assert.deepEqual(
      matrix.runs.map((run) => [run.position, run.label, run.repeat, run.state, run.runId]),
      order.map((planned, index) => [index + 1, plan.combinations[planned.combination]!.label, planned.repeat, 'pending', null]),
    );
    assert.deepEqual(matrix.restart, { command: 'mysqladmin -p*** shutdown; start-db', dropIn: '/etc/mysql/conf.d/99-ib.cnf' });
    assert.deepEqual(matrix.connection, { host: 'db', port: 3307, user: 'bench', database: 'ib' });
    assert.deepEqual(matrix.runArgs, ['--workers', '4', '--fresh', '--listen', '9464', '--prometheus-remote-write', 'http://rw:***@prom:9090/api/v1/write']);
    assert.ok(!JSON.stringify(matrix).includes('S3cret'), JSON.stringify(matrix));
  });

  test('blocks order: each run records its block; A/A, target and budget are recorded', () => {
    const blocks: MatrixPlan = { ...plan, order: 'blocks', aa: true, targetEffectPct: 3, budgetMs: 600_000 };
    const matrix = newMatrixFile(blocks, 'matrix-b', runOrder(2, 1, 'blocks'), {}, new Date());
    assert.deepEqual(matrix.runs.map((run) => [run.block, run.repeat]), [[1, 1], [1, 1], [1, 2], [1, 2]]);
    assert.deepEqual([matrix.aa, matrix.targetEffectPct, matrix.budgetMs], [true, 3, 600_000]);
  });

  test('interleaved order: no seed recorded', () => {
    const matrix = newMatrixFile({ ...plan, order: 'interleaved', restart: null, warmupMs: undefined }, 'm', runOrder(2, 1, 'interleaved'), {}, new Date());
    assert.equal(matrix.seed, undefined);
    assert.equal(matrix.restart, undefined);
    assert.equal(matrix.warmupMs, undefined);
  });
});
