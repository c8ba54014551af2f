/**
 * Switchback on a private MariaDB (scripts/private-mariadb.sh): `run --switchback` flips a global
 * every slot of one run, in the seeded A B B A / B A A B order; every interval records the value in
 * effect, the server shows that value while the slot lasts, and the original is back afterwards
 * with nothing left in the journal. A read-only variable and a blocking one are refused before
 * anything changes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysqlPromise from 'mysql2/promise';
import type { RunFile } from '../../src/results/types.js';
import { slotOrder } from '../../src/engine/settingSwitcher.js';
import { describeResult, parseSimpleCsv, ROOT, runCli, smallFeatureFile, tempDir } from '../helpers.js';
import { disposableServerSkipReason, freePort } from '../support/disposableServer.js';

const SCRIPT = join(ROOT, 'scripts', 'private-mariadb.sh');
const DATABASE = 'ib_fault_switchback';
const FLAG = 'sb';
const skip = disposableServerSkipReason() || (process.getuid?.() !== 0 ? 'the private server script runs mariadbd as root' : false);

let dir: ReturnType<typeof tempDir>;
let serverDir = '';
let port = 0;

async function query<T>(sql: string): Promise<T> {
  const connection = await mysqlPromise.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', connectTimeout: 5000 });
  try {
    return (await connection.query(sql))[0] as T;
  } finally {
    await connection.end();
  }
}

const ioCapacity = async (): Promise<number> => Number((await query<Array<{ v: number }>>('SELECT @@GLOBAL.innodb_io_capacity AS v'))[0]!.v);

function run(extra: string[]): ReturnType<typeof runCli> {
  const args = ['run', 'insert-features', '--host', '127.0.0.1', '--port', String(port), '--user', 'root', '--password=', '--database', DATABASE, '--flag', FLAG, '--feature-file', smallFeatureFile()];
  return runCli([...args, '--workers', '4', '--rate', '400/s', '--results', join(dir.path, 'results'), '--json', ...extra], { timeoutMs: 120_000 });
}

describe('switchback on a private MariaDB', { skip, timeout: 300_000 }, () => {
  before(async () => {
    dir = tempDir('ib-test-switchback-');
    serverDir = join(dir.path, 'server');
    port = await freePort();
    const started = spawnSync(SCRIPT, ['start', serverDir, String(port)], { encoding: 'utf8', env: { ...process.env, IB_PRIVATE_OWNER_PID: String(process.pid), IB_PRIVATE_BUFFER_POOL: '64M', IB_PRIVATE_REDO: '16M' } });
    assert.equal(started.status, 0, started.stderr);
    await query(`CREATE DATABASE ${DATABASE}`);
    const prepared = await runCli(['prepare', 'insert-features', '--host', '127.0.0.1', '--port', String(port), '--user', 'root', '--password=', '--database', DATABASE, '--flag', FLAG, '--groups', '4', '--members', '100', '--images', '20'], { timeoutMs: 120_000 });
    assert.equal(prepared.code, 0, describeResult(prepared));
  });

  after(() => {
    if (serverDir) spawnSync(SCRIPT, ['remove', serverDir]);
    dir?.remove();
  });

  test('innodb_io_capacity flipped every 2 s slot in the seeded order; each interval names its value; the original back', async () => {
    const original = await ioCapacity();
    const seen: number[] = [];
    const poll = setInterval(() => void ioCapacity().then((v) => seen.push(v), () => undefined), 250);
    const result = await run(['--switchback', 'innodb_io_capacity=300,700', '--slot', '2s', '--slot-drop', '0s', '--slot-seed', '5', '--interval', '1s', '--duration', '16s']).finally(() => clearInterval(poll));
    assert.equal(result.code, 0, describeResult(result));
    const runFile = JSON.parse(result.stdout) as RunFile;
    const expected = slotOrder(8, 5).map((arm) => ['300', '700'][arm]!);
    const rows = parseSimpleCsv(readFileSync(join(dir.path, 'results', runFile.runId, 'timeline.csv'), 'utf8')).rows;
    assert.deepEqual(rows.slice(0, 16).map((row) => row.arm), expected.flatMap((arm) => [arm, arm]));
    assert.ok(seen.includes(300) && seen.includes(700), `the server held both values during the run: ${seen.join(',')}`);
    const verdict = runFile.summary!.switchback!;
    assert.equal(verdict.setting, 'innodb_io_capacity');
    assert.deepEqual(verdict.labels, ['300', '700']);
    assert.equal(verdict.pairs, 4);
    assert.ok(verdict.ciPct !== null && verdict.ciPct.lo < verdict.changePct && verdict.changePct < verdict.ciPct.hi);
    assert.match(result.stderr, /switchback 700 vs 300: .* over 4 pairs of slots/);
    assert.equal(await ioCapacity(), original);
    assert.equal((await query<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM ${DATABASE}.innobench_journal`))[0]!.n, 0);
  });

  test('a read-only variable and a blocking one are refused before anything changes (exit 2, no run folder)', async () => {
    const runFolders = (): number => (existsSync(join(dir.path, 'results')) ? readdirSync(join(dir.path, 'results')).length : 0);
    const before = runFolders();
    const readOnly = await run(['--switchback', 'innodb_page_size=16384,8192', '--interval', '1s', '--duration', '16s']);
    assert.equal(readOnly.code, 2, describeResult(readOnly));
    assert.match(readOnly.stderr, /--switchback innodb_page_size: a read-only variable \(it changes only with a restart\)/);
    const blocking = await run(['--switchback', 'innodb_buffer_pool_size=64M,128M', '--interval', '1s', '--duration', '16s']);
    assert.equal(blocking.code, 2, describeResult(blocking));
    assert.match(blocking.stderr, /--switchback innodb_buffer_pool_size: resizing the buffer pool .* blocks/);
    assert.equal(runFolders(), before);
  });
});
