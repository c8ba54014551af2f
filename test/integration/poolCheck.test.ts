import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POOL_CHECK, formatPoolTable, poolSettingMap, runPoolCheck } from '../../src/procedures/poolCheck.js';
import { PoolTimeoutError } from '../../src/procedures/poolLoad.js';
import { classifyError } from '../../src/db/errors.js';
import type { PoolSample } from '../../src/analysis/verdicts/poolVerdict.js';
import { SERVER, adminQuery, createTestDatabase, type TestDatabase } from '../helpers.js';

test("pool-check sorts errors with the engine's classifier (db/errors), its own pool timeout included", () => {
  const cases: Array<{ error: unknown; kind: string }> = [
    { error: new PoolTimeoutError('pool timeout'), kind: 'pool-timeout' },
    { error: Object.assign(new Error('MySQL server has gone away'), { errno: 2006 }), kind: 'connection-lost' },
    { error: Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }), kind: 'connection-lost' },
    { error: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), kind: 'connection-lost' },
    { error: Object.assign(new Error('Too many connections'), { errno: 1040, code: 'ER_CON_COUNT_ERROR', fatal: true }), kind: 'too-many-connections' },
    { error: Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), kind: 'connection-lost' },
    { error: Object.assign(new Error('Deadlock found'), { errno: 1213 }), kind: 'deadlock' },
    { error: Object.assign(new Error("Table 'x' doesn't exist"), { errno: 1146 }), kind: 'other' },
  ];
  for (const c of cases) assert.equal(classifyError(c.error), c.kind, String((c.error as Error).message));
});

test('the guide\'s settings without a mysql2 equivalent are said so', () => {
  const map = poolSettingMap(DEFAULT_POOL_CHECK);
  const of = (guide: string) => map.find((m) => m.guide === guide)!.mysql2;
  assert.equal(of('DB_POOL_SIZE'), 'connectionLimit');
  assert.equal(of('DB_CONNECT_TIMEOUT'), 'connectTimeout');
  for (const none of ['DB_MAX_OVERFLOW', 'DB_POOL_RECYCLE', 'DB_POOL_PRE_PING', 'pool_timeout']) assert.match(of(none), /^none/, none);
});

// ---------------------------------------------------------------------------------------------
// Against the server: 5-second runs, without and with a provoked leak
// ---------------------------------------------------------------------------------------------

const server = await adminQuery('SELECT 1').then(
  () => null,
  (error: unknown) => `no MariaDB/MySQL at ${SERVER.host}:${SERVER.port} (${error instanceof Error ? error.message : String(error)})`,
);

describe('pool-check against the server', { skip: server ?? false }, () => {
  let db: TestDatabase;
  const settings = { ...DEFAULT_POOL_CHECK, processes: 2, poolSize: 5, maxIdle: 5, concurrency: 10, durationMs: 5000, poolTimeoutMs: 3000 };
  const connection = () => ({ host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database: db.name });
  const tables = async (): Promise<number> => {
    const rows = await adminQuery<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [db.name]);
    return Number(rows[0]!.n);
  };

  before(async () => {
    db = await createTestDatabase();
  });

  after(async () => {
    await db?.drop();
  });

  test('5 s without a leak: healthy, every connection returned, closed with the pools', async () => {
    const seen: PoolSample[] = [];
    const result = await runPoolCheck(connection(), settings, { onSample: (s) => seen.push(s) });
    const report = formatPoolTable(result).join('\n');
    assert.equal(result.verdict.healthy, true, `${report}\n${JSON.stringify(result.verdict.findings, null, 2)}`);
    assert.equal(result.verdict.leakCount, 0);
    assert.equal(result.provokedLeaks, 0);
    assert.equal(seen.length, 5);
    assert.ok(result.ops > 0);
    assert.deepEqual(result.afterDrain.checkedOut, [0, 0]);
    assert.ok(result.samples.every((s) => s.checkedOut.every((c) => c <= settings.poolSize)));
    assert.ok(Math.max(...result.samples.map((s) => s.own)) <= settings.poolSize * settings.processes);
    assert.equal(result.afterClose.own, 0, 'pool.end() closed every connection');
    assert.equal(await tables(), 0, 'the scratch table is dropped');
  });

  test('5 s with --leak-every 20: the leak is detected', async () => {
    const result = await runPoolCheck(connection(), { ...settings, leakEvery: 20 });
    const report = formatPoolTable(result).join('\n');
    assert.equal(result.verdict.leak, true, report);
    assert.equal(result.verdict.healthy, false);
    assert.ok(result.provokedLeaks > 0);
    assert.equal(result.verdict.leakCount, result.provokedLeaks, report);
    assert.ok(result.verdict.findings.some((f) => !f.ok && /returned/.test(f.check)));
    assert.match(report, new RegExp(`leak count\\s+-\\s+-\\s+${result.verdict.leakCount}\\s`));
    assert.equal(result.afterClose.own, 0, 'leaked connections are closed with their pool');
    assert.equal(await tables(), 0);
  });
});
