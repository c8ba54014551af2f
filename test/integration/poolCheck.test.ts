import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_POOL_CHECK,
  PoolTimeoutError,
  checkedOutGrowth,
  classifyError,
  emptyErrorCounts,
  formatPoolTable,
  poolSettingMap,
  poolVerdict,
  runPoolCheck,
  slope,
  type ErrorCounts,
  type PoolSample,
  type VerdictInput,
} from '../../src/procedures/poolCheck.js';
import { SERVER, adminQuery, createTestDatabase, type TestDatabase } from '../helpers.js';

// ---------------------------------------------------------------------------------------------
// The verdict on synthetic samples
// ---------------------------------------------------------------------------------------------

/** Samples one second apart for two pools; `series[p]` is pool p's checked-out count per second. */
function samples(series: number[][], extra: Partial<PoolSample> = {}): PoolSample[] {
  const n = series[0]!.length;
  return Array.from({ length: n }, (_, k) => ({
    t: k + 1,
    threadsConnected: 50,
    own: 20,
    sleeping: 5,
    checkedOut: series.map((s) => s[k]!),
    open: series.map(() => 10),
    waiting: series.map(() => 0),
    ops: 1000,
    errors: 0,
    ...extra,
  }));
}

function input(s: PoolSample[], changes: Partial<VerdictInput> = {}): VerdictInput {
  return {
    poolSize: 10,
    processes: 2,
    maxConnections: 151,
    samples: s,
    afterDrain: { checkedOut: [0, 0], sleeping: 20 },
    errors: emptyErrorCounts(),
    ...changes,
  };
}

function errors(changes: Partial<ErrorCounts>): ErrorCounts {
  return { ...emptyErrorCounts(), ...changes };
}

test('slope is the least-squares slope', () => {
  assert.equal(slope([1, 2, 3], [2, 4, 6]), 2);
  assert.equal(slope([1, 2, 3], [5, 5, 5]), 0);
  assert.equal(slope([1], [5]), 0);
  assert.ok(Math.abs(slope([1, 2, 3, 4], [1, 3, 2, 4]) - 0.8) < 1e-12);
});

test('checkedOutGrowth: to the limit, or steadily; a pool saturated from the start is not growth', () => {
  const cases: Array<{ name: string; ys: number[]; grew: boolean }> = [
    { name: 'saturated from the start', ys: [10, 10, 10, 10, 10], grew: false },
    { name: 'under-used, fluctuating', ys: [4, 6, 3, 5, 6, 4, 5], grew: false },
    { name: 'rises to the limit', ys: [3, 5, 7, 9, 10, 10], grew: true },
    { name: 'rises, but the last sample dropped from the limit', ys: [3, 5, 7, 9, 10, 8], grew: false },
    { name: 'steady growth below the limit', ys: [2, 3, 3, 4, 5, 6], grew: true },
    { name: 'small steady creep (< 2)', ys: [4, 4, 5, 5, 5, 5], grew: false },
    { name: 'too few samples', ys: [2, 10], grew: false },
  ];
  for (const c of cases) {
    const g = checkedOutGrowth(samples([c.ys]), 0, 10);
    assert.equal(g.grew, c.grew, c.name);
  }
});

test('poolVerdict on synthetic runs', () => {
  const full = [10, 10, 10, 10, 10];
  const cases: Array<{ name: string; input: VerdictInput; healthy: boolean; leak: boolean; leakCount?: number; failed: RegExp[] }> = [
    { name: 'saturated but healthy', input: input(samples([full, full])), healthy: true, leak: false, leakCount: 0, failed: [] },
    { name: 'under-used and healthy', input: input(samples([[4, 6, 3, 5, 6], [5, 5, 4, 6, 5]])), healthy: true, leak: false, failed: [] },
    {
      name: 'slow leak: checked out grows to the limit',
      input: input(samples([[2, 4, 6, 8, 10, 10], [3, 3, 4, 3, 3, 4]]), { afterDrain: { checkedOut: [10, 0], sleeping: 20 } }),
      healthy: false,
      leak: true,
      leakCount: 10,
      failed: [/grow/, /returned/],
    },
    {
      name: 'fast leak hidden by saturation: seen after the drain',
      input: input(samples([full, full]), { afterDrain: { checkedOut: [3, 4], sleeping: 20 } }),
      healthy: false,
      leak: true,
      leakCount: 7,
      failed: [/returned/],
    },
    {
      name: 'starved pool: at the limit, tasks waiting, nothing completes',
      input: input([...samples([full, full]).slice(0, 4), { ...samples([full, full])[4]!, ops: 0, waiting: [20, 0] }], {
        afterDrain: { checkedOut: [10, 0], sleeping: 20 },
        errors: errors({ poolTimeout: 20 }),
      }),
      healthy: false,
      leak: true,
      failed: [/returned/, /starved/, /errors/],
    },
    {
      name: '"gone away" is unhealthy but not a leak',
      input: input(samples([full, full]), { errors: errors({ goneAway: 1, lostConnection: 2 }) }),
      healthy: false,
      leak: false,
      failed: [/errors/],
    },
    {
      name: 'more sleeping connections than the pools hold',
      input: input(samples([full, full], { sleeping: 25 })),
      healthy: false,
      leak: true,
      failed: [/sleeping/],
    },
    {
      name: 'over the 80 % budget of max_connections',
      input: input(samples([full, full]), { maxConnections: 24 }),
      healthy: false,
      leak: false,
      failed: [/80 %/],
    },
    { name: 'max_connections unknown: no budget check', input: input(samples([full, full]), { maxConnections: null }), healthy: true, leak: false, failed: [] },
  ];
  for (const c of cases) {
    const v = poolVerdict(c.input);
    assert.equal(v.healthy, c.healthy, c.name);
    assert.equal(v.leak, c.leak, c.name);
    if (c.leakCount !== undefined) assert.equal(v.leakCount, c.leakCount, c.name);
    const failed = v.findings.filter((f) => !f.ok).map((f) => f.check);
    assert.equal(failed.length, c.failed.length, `${c.name}: ${failed.join('; ')}`);
    for (const pattern of c.failed) assert.ok(failed.some((f) => pattern.test(f)), `${c.name}: ${pattern} in ${failed.join('; ')}`);
  }
  const budget = poolVerdict(input(samples([full, full]))).findings.find((f) => /max_connections/.test(f.check))!;
  assert.equal(budget.detail, '2 × 10 = 20 < 121 (80 % of 151)');
});

test('classifyError sorts the errors the guide names', () => {
  const cases: Array<{ error: unknown; kind: string }> = [
    { error: new PoolTimeoutError('pool timeout'), kind: 'poolTimeout' },
    { error: Object.assign(new Error('MySQL server has gone away'), { errno: 2006 }), kind: 'goneAway' },
    { error: Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' }), kind: 'lostConnection' },
    { error: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), kind: 'lostConnection' },
    { error: Object.assign(new Error('Too many connections'), { errno: 1040, code: 'ER_CON_COUNT_ERROR' }), kind: 'tooManyConnections' },
    { error: Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), kind: 'connectTimeout' },
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
