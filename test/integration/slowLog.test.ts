/**
 * The slow log hook against the shared server (127.0.0.1:3306, root, empty password; IB_TEST_*
 * override), in a database of its own (`ib_test_<random>`, dropped after). The hook changes three
 * GLOBAL settings for the length of a test and must put every one back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysqlPromise, { type Connection } from 'mysql2/promise';
import { RunFolder } from '../../src/results/runFolder.js';
import type { HookContext } from '../../src/engine/runHooks.js';
import { restoreEveryJournal } from '../../src/serverState/journal.js';
import { SLOW_LOG_FILE, slowLogHook, summarizeSlowLog, type SlowLogRow, type SlowLogSummary } from '../../src/hooks/slowLog.js';

const SERVER = {
  host: process.env.IB_TEST_HOST ?? '127.0.0.1',
  port: Number(process.env.IB_TEST_PORT ?? 3306),
  user: process.env.IB_TEST_USER ?? 'root',
  password: process.env.IB_TEST_PASSWORD ?? '',
};

async function connect(database?: string): Promise<Connection> {
  return mysqlPromise.createConnection({ ...SERVER, ...(database ? { database } : {}) });
}

async function globals(): Promise<{ log_output: string; slow_query_log: number; long_query_time: number }> {
  const connection = await connect();
  try {
    const [rows] = await connection.query('SELECT @@global.log_output AS log_output, @@global.slow_query_log AS slow_query_log, @@global.long_query_time AS long_query_time');
    const row = (rows as Array<{ log_output: string; slow_query_log: number; long_query_time: number }>)[0]!;
    return { log_output: row.log_output, slow_query_log: Number(row.slow_query_log), long_query_time: Number(row.long_query_time) };
  } finally {
    await connection.end();
  }
}

async function withDatabase(body: (database: string, ctx: HookContext) => Promise<void>): Promise<void> {
  const database = `ib_test_${randomBytes(5).toString('hex')}`;
  const admin = await connect();
  await admin.query(`CREATE DATABASE \`${database}\``);
  const dir = mkdtempSync(join(tmpdir(), 'ib-slowlog-'));
  try {
    const ctx: HookContext = {
      connection: { ...SERVER, database },
      folder: RunFolder.create(dir, 'run'),
      options: {},
      scenario: 'test',
      log: () => undefined,
    };
    await body(database, ctx);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

function row(sqlText: string, querySec: number, rowsExamined: number, threadId = 1): SlowLogRow {
  return { ts: 0, startTime: '', userHost: '', querySec, lockSec: 0, rowsSent: 1, rowsExamined, rowsAffected: 0, db: 'd', threadId, sqlText };
}

test('summarizeSlowLog groups by statement shape, largest total first', () => {
  const summary = summarizeSlowLog([
    row("SELECT * FROM t WHERE name = 'a'", 0.5, 10, 1),
    row("SELECT * FROM t WHERE name = 'bb'", 1.5, 30, 2),
    row('INSERT INTO f (id, feature) VALUES (1, 0xABCD)', 3, 0, 1),
  ]);
  assert.equal(summary.length, 2);
  assert.equal(summary[0]!.statement, 'INSERT INTO f (id, feature) VALUES (?+)');
  assert.deepEqual(
    { ...summary[1]!, statement: summary[1]!.statement },
    { statement: 'SELECT * FROM t WHERE name = ?', count: 2, totalSec: 2, avgSec: 1, maxSec: 1.5, avgLockSec: 0, avgRowsExamined: 20, maxRowsExamined: 30, avgRowsSent: 1, sessions: 2 },
  );
});

test('slow log hook captures slow statements of new connections and restores the three globals', async () => {
  const before = await globals();
  await withDatabase(async (database, ctx) => {
    const early = await connect(database); // connected before the hook: keeps its session settings
    const hook = slowLogHook(0.1);
    try {
      await hook.start(ctx);
      const during = await globals();
      assert.deepEqual(during, { log_output: 'TABLE', slow_query_log: 1, long_query_time: 0.1 });
      const fresh = await connect(database);
      try {
        for (let i = 0; i < 3; i++) await fresh.query('SELECT SLEEP(0.2) AS slept');
        await fresh.execute('SELECT SLEEP(?) AS prepared', [0.15]);
        await fresh.query('SELECT 1'); // fast: not logged
      } finally {
        await fresh.end();
      }
      await early.query('SELECT SLEEP(0.2) AS early_session');
    } finally {
      const summary = (await hook.stop({ ...ctx, statusDelta: {} })) as SlowLogSummary;
      await early.end();
      assert.deepEqual(await globals(), before, 'globals restored after stop()');
      assert.equal(summary.restored, true);
      assert.equal(summary.database, database);
      assert.equal(summary.rows, 4, JSON.stringify(summary.statements));
      const sleeps = summary.statements.find((s) => s.statement === 'SELECT SLEEP(?+) AS slept');
      assert.ok(sleeps, JSON.stringify(summary.statements));
      assert.equal(sleeps.count, 3);
      assert.ok(sleeps.avgSec >= 0.19 && sleeps.maxSec < 2, `avg ${sleeps.avgSec}`);
      assert.ok(Math.abs(sleeps.totalSec - sleeps.avgSec * 3) < 1e-5);
      assert.ok(summary.statements.some((s) => s.statement === 'SELECT SLEEP(?+) AS prepared'), 'prepared statements are logged with their values');
      assert.ok(!summary.statements.some((s) => s.statement.includes('early_session')), 'a session opened before the hook keeps slow_query_log OFF');
      assert.ok(summary.sessionsConnectedBefore >= 1);
      assert.match(summary.notes.join('\n'), /connected before the slow log was switched on/);
      const csv = readFileSync(join(ctx.folder.dir, SLOW_LOG_FILE), 'utf8');
      assert.equal(csv.trim().split('\n').length, 5, csv);
      assert.match(csv.split('\n')[0]!, /^start_time,ts,query_sec/);
    }
  });
});

test('slow log hook restores the globals when stopped without a run', async () => {
  const before = await globals();
  await withDatabase(async (_database, ctx) => {
    const hook = slowLogHook(0);
    await hook.start(ctx);
    assert.equal((await globals()).slow_query_log, 1);
    const summary = (await hook.stop({ ...ctx, statusDelta: {} })) as SlowLogSummary;
    assert.deepEqual(await globals(), before);
    assert.equal(summary.restored, true);
    assert.ok(existsSync(join(ctx.folder.dir, SLOW_LOG_FILE)));
  });
});

test('a forced exit (restoreEveryJournal) restores the globals and empties the journal; stop() afterwards still reports', async () => {
  const before = await globals();
  await withDatabase(async (database, ctx) => {
    const hook = slowLogHook(0.5);
    await hook.start(ctx);
    assert.equal((await globals()).long_query_time, 0.5);
    const admin = await connect(database);
    try {
      const [rows] = await admin.query('SELECT kind, undo_sql FROM innobench_journal');
      assert.deepEqual(rows, [{ kind: 'slow log', undo_sql: JSON.stringify([`SET GLOBAL log_output = ${admin.escape(before.log_output)}, GLOBAL slow_query_log = ${before.slow_query_log}, GLOBAL long_query_time = ${before.long_query_time}`]) }]);
      await restoreEveryJournal(() => undefined, 3000);
      assert.deepEqual(await globals(), before);
      const [after] = await admin.query('SELECT COUNT(*) AS n FROM innobench_journal');
      assert.equal(Number((after as Array<{ n: number }>)[0]!.n), 0);
    } finally {
      await admin.end();
    }
    const summary = (await hook.stop({ ...ctx, statusDelta: {} })) as SlowLogSummary;
    assert.deepEqual(await globals(), before);
    assert.equal(summary.rows, 0);
  });
});

test('slowLogHook rejects a negative long_query_time', () => {
  assert.throws(() => slowLogHook(-1), /between 0 and/);
});
