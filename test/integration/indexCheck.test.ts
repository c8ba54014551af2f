import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlan, parseQueries } from '../../src/analysis/index/indexPlan.js';
import { runWithProgress } from '../../src/procedures/indexCheck/alterProgress.js';
import { runIndexCheck } from '../../src/procedures/indexCheck/run.js';
import { measureWrites, SCRATCH_PREFIX } from '../../src/procedures/indexCheck/writeLoad.js';
import { customWrite } from '../../src/procedures/indexCheck/writeTarget.js';
import { INDEXES_TABLE } from '../../src/schema/registry.js';
import { SERVER, adminConnection, adminQuery, connectionArgs, createTestDatabase, describeResult, runCli, tempDir, type TestDatabase } from '../helpers.js';
import { connectControl } from '../../src/db/connect.js';
import { serverJournal } from '../../src/serverState/journal.js';
import { JOURNAL_TABLE } from '../../src/serverState/journalTable.js';

test('customWrite counts the placeholders outside strings and checks the generators', () => {
  const w = customWrite("INSERT INTO t (a, b, note) VALUES (?, ?, 'what?')", ['seq', 'now']);
  assert.equal(w.params.length, 2);
  assert.equal(w.params[0]!(41), 41);
  assert.ok(w.params[1]!(0) instanceof Date);
  assert.equal(customWrite('INSERT INTO t (a) VALUES (?)', undefined).params.length, 1);
  assert.throws(() => customWrite('INSERT INTO t (a) VALUES (?)', ['seq', 'int']), /1 placeholder\(s\) but --write-params names 2/);
  assert.throws(() => customWrite('INSERT INTO t (a) VALUES (?)', ['nope']), /unknown generator/);
  // Rolled back after each execution: a statement that commits implicitly, or a second one, is refused.
  for (const sql of ['TRUNCATE t', 'DROP TABLE t', 'INSERT INTO t (a) VALUES (1); DELETE FROM t', 'SELECT 1', 'CREATE TABLE x SELECT * FROM t']) {
    assert.throws(() => customWrite(sql, []), /must be one INSERT, REPLACE, UPDATE or DELETE statement/, sql);
  }
});

// ---------------------------------------------------------------------------------------------
// Against the server: 50 000 rows, before → full scan, after → index, rollback removes it
// ---------------------------------------------------------------------------------------------

const server = await adminQuery('SELECT 1').then(
  () => null,
  (error: unknown) => `no MariaDB/MySQL at ${SERVER.host}:${SERVER.port} (${error instanceof Error ? error.message : String(error)})`,
);

const PLAN = `-- P0-01 style plan
ALTER TABLE orders ADD INDEX idx_update_time (update_time), ADD INDEX idx_create_time (create_time);
CREATE INDEX idx_status_update_time ON orders (status, update_time);
ALTER TABLE orders ADD INDEX idx_user_create_time (user_id, create_time), ALGORITHM=INPLACE, LOCK=NONE;
`;

const QUERIES = `-- expect: idx_update_time
SELECT * FROM orders WHERE update_time >= '2025-01-01 23:00:00';
-- expect: idx_create_time
SELECT id, create_time FROM orders WHERE create_time BETWEEN '2025-01-01 20:00:00' AND '2025-01-01 21:00:00';
-- expect: idx_status_update_time
SELECT * FROM orders WHERE status = 3 AND update_time >= '2025-01-01 22:00:00';
-- expect: idx_user_create_time
SELECT * FROM orders WHERE user_id = 42 ORDER BY create_time DESC LIMIT 10;
`;

const ROWS = 50_000;

describe('index-check against the server', { skip: server ?? false }, () => {
  let db: TestDatabase;
  const lines: string[] = [];
  const connectionOptions = () => ({ host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database: db.name });
  const options = () => ({
    connection: connectionOptions(),
    journal: serverJournal(connectionOptions()),
    plan: parsePlan(PLAN),
    queries: parseQueries(QUERIES).queries,
    apply: false,
    rollback: false,
    repeat: 5,
    writeSeconds: 1,
    writeConnections: 2,
    out: (line: string) => void lines.push(line),
    progress: (line: string) => void lines.push(line),
  });
  const indexNames = async (): Promise<string[]> => {
    const rows = await adminQuery<Array<{ i: string }>>(
      "SELECT DISTINCT INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'orders' ORDER BY INDEX_NAME",
      [db.name],
    );
    return rows.map((r) => r.i);
  };

  /** Rows, checksum and next auto-increment value of a table: what a measurement must not change. */
  const fingerprint = async (table: string): Promise<{ rows: number; checksum: string; autoIncrement: string }> => {
    const [count] = await adminQuery<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM \`${table}\``, [], db.name);
    const [sum] = await adminQuery<Array<{ Checksum: string }>>(`CHECKSUM TABLE \`${table}\``, [], db.name);
    const [ai] = await adminQuery<Array<{ a: string | null }>>('SELECT AUTO_INCREMENT AS a FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db.name, table]);
    return { rows: Number(count!.n), checksum: String(sum!.Checksum), autoIncrement: String(ai!.a) };
  };
  const scratchTables = async (): Promise<string[]> => {
    const rows = await adminQuery<Array<{ t: string }>>('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ?', [db.name, `${SCRATCH_PREFIX}%`]);
    return rows.map((r) => r.t);
  };
  const recorded = async (): Promise<string[]> => {
    const rows = await adminQuery<Array<{ i: string }>>(`SELECT index_name AS i FROM \`${INDEXES_TABLE}\` ORDER BY index_name`, [], db.name);
    return rows.map((r) => r.i);
  };

  before(async () => {
    db = await createTestDatabase();
    const c = await adminConnection(db.name);
    try {
      await c.query(`CREATE TABLE orders (
        id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
        user_id INT UNSIGNED NOT NULL,
        status TINYINT UNSIGNED NOT NULL DEFAULT 0,
        amount DECIMAL(10,2) NOT NULL DEFAULT 0,
        note VARCHAR(60) NOT NULL DEFAULT '',
        create_time DATETIME NOT NULL,
        update_time DATETIME NOT NULL) ENGINE=InnoDB`);
      // 50 000 rows, one a minute from 2024-12-27 up to 2025-01-01 ~23:59; updates up to 10 minutes later.
      const start = Date.UTC(2025, 0, 2) - ROWS * 60_000;
      const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
      for (let k = 0; k < ROWS; k += 5000) {
        const values = Array.from({ length: 5000 }, (_, j) => {
          const n = k + j;
          return [n % 2000, n % 5, (n % 1000) / 10, `note ${n}`, iso(start + n * 60_000), iso(start + n * 60_000 + (n % 600) * 1000)];
        });
        await c.query('INSERT INTO orders (user_id, status, amount, note, create_time, update_time) VALUES ?', [values]);
      }
      await c.query('ANALYZE TABLE orders');
    } finally {
      await c.end();
    }
  });

  after(async () => {
    await db?.drop();
  });

  test('before: 4 missing and full scans; --apply: 0 missing, every EXPLAIN on its index, ≥ 50 % faster', async () => {
    const untouched = await fingerprint('orders');
    const report = await runIndexCheck({ ...options(), apply: true });
    assert.equal(report.mode, 'apply');
    const before = report.before!;
    const afterApply = report.after!;
    assert.equal(before.missing, 4);
    for (const q of before.queries) {
      assert.equal(q.explain.ok, false, q.query.sql);
      assert.equal(q.explain.fullScan, true, `${q.query.sql}: ${q.explain.access}`);
    }
    assert.equal(report.applied.length, 4);
    assert.deepEqual(report.applied.filter((a) => a.error), []);
    assert.equal(afterApply.missing, 0);
    for (const q of afterApply.queries) assert.equal(q.explain.ok, true, `${q.query.sql}: ${q.explain.access}`);
    const criteria = Object.fromEntries(report.acceptance!.criteria.map((c) => [c.name, c]));
    assert.equal(criteria['query time (sum of medians)']!.result, 'PASS', lines.join('\n'));
    assert.equal(criteria['missing indexes']!.result, 'PASS');
    assert.equal(criteria['EXPLAIN uses the index']!.result, 'PASS');
    // Write throughput on a shared server is noisy: measured both times, judged either way.
    assert.ok(before.writes!.rows > 0 && afterApply.writes!.rows > 0, lines.join('\n'));
    assert.notEqual(criteria['write throughput']!.result, 'n/a');
    // The writes went to a scratch copy, dropped again: the user's rows (and counter) are as they were.
    assert.match(before.writes!.target, new RegExp(`^${db.name}\\.${SCRATCH_PREFIX}`));
    assert.deepEqual(await fingerprint('orders'), untouched);
    assert.equal(untouched.rows, ROWS);
    assert.deepEqual(await scratchTables(), []);
    assert.deepEqual(await indexNames(), ['idx_create_time', 'idx_status_update_time', 'idx_update_time', 'idx_user_create_time', 'PRIMARY']);
    // Each index it added is recorded, with its columns, for the rollback.
    assert.deepEqual(await recorded(), ['idx_create_time', 'idx_status_update_time', 'idx_update_time', 'idx_user_create_time']);
    assert.ok(lines.some((l) => /overall: (ACCEPT|REJECT)/.test(l)));
  });

  test('--rollback drops the plan\'s indexes that exist, and only those', async () => {
    await adminQuery('ALTER TABLE orders ADD INDEX idx_note (note), DROP INDEX idx_create_time', [], db.name);
    lines.length = 0;
    const report = await runIndexCheck({ ...options(), rollback: true });
    assert.equal(report.mode, 'rollback');
    assert.equal(report.dropped.length, 3);
    assert.ok(lines.some((l) => /idx_create_time: not present, nothing to drop/.test(l)));
    assert.deepEqual(await indexNames(), ['idx_note', 'PRIMARY']);
    assert.deepEqual(report.refused, []);
    assert.deepEqual(await recorded(), []);
    const current = await runIndexCheck({ ...options(), writeSeconds: 0 });
    assert.equal(current.before!.missing, 4);
    assert.equal(current.acceptance!.accepted, false);
  });

  test('--apply --rollback with derived queries: a trial that leaves a pre-existing index alone', async () => {
    await adminQuery('ALTER TABLE orders ADD INDEX idx_create_time (create_time)', [], db.name);
    lines.length = 0;
    const report = await runIndexCheck({ ...options(), queries: null, writeSeconds: 0, apply: true, rollback: true });
    assert.equal(report.mode, 'trial');
    assert.equal(report.before!.queries.length, 4);
    assert.ok(report.before!.queries.every((q) => q.query.derivedFor));
    assert.equal(report.after!.missing, 0);
    for (const q of report.after!.queries) assert.equal(q.explain.ok, true, `${q.query.sql}: ${q.explain.access}`);
    assert.equal(report.dropped.length, 3);
    assert.deepEqual(await indexNames(), ['idx_create_time', 'idx_note', 'PRIMARY']);
  });

  test('--rollback refuses an index innobench did not add (idx_create_time was added by hand above)', async () => {
    lines.length = 0;
    const report = await runIndexCheck({ ...options(), rollback: true });
    assert.deepEqual(report.dropped, []);
    assert.deepEqual(report.refused.map((r) => r.index), ['idx_create_time']);
    assert.match(report.refused[0]!.reason, /not added by innobench/);
    assert.ok(lines.some((l) => /idx_create_time: REFUSED, not added by innobench/.test(l)), lines.join('\n'));
    assert.deepEqual(await indexNames(), ['idx_create_time', 'idx_note', 'PRIMARY']);
  });

  test('an index innobench added and that was changed since is not dropped either', async () => {
    await runIndexCheck({ ...options(), plan: parsePlan('CREATE INDEX idx_update_time ON orders (update_time);'), queries: [], writeSeconds: 0, apply: true });
    await adminQuery('ALTER TABLE orders DROP INDEX idx_update_time, ADD INDEX idx_update_time (update_time, status)', [], db.name);
    const report = await runIndexCheck({ ...options(), plan: parsePlan('CREATE INDEX idx_update_time ON orders (update_time);'), rollback: true });
    assert.deepEqual(report.dropped, []);
    assert.match(report.refused[0]?.reason ?? '', /changed since/);
    await adminQuery('ALTER TABLE orders DROP INDEX idx_update_time', [], db.name);
  });

  test('--write-sql runs inside rolled-back transactions: rows are written and none is kept', async () => {
    const untouched = await fingerprint('orders');
    const connection = options().connection;
    const writes = await measureWrites(connection, { kind: 'rolled-back', sql: 'INSERT INTO orders (user_id, create_time, update_time) VALUES (?, NOW(), NOW())', paramNames: ['int'] }, 1, 2, serverJournal(connection));
    assert.ok(writes.rows > 0, JSON.stringify(writes));
    assert.equal(writes.errors, 0, writes.firstError);
    assert.ok(writes.latencyMs.p50 > 0);
    const after = await fingerprint('orders');
    assert.equal(after.rows, untouched.rows);
    assert.equal(after.checksum, untouched.checksum);
  });

  test('--write-sql on a table that cannot roll back is refused before writing', async () => {
    await adminQuery('CREATE TABLE notes_myisam (id INT AUTO_INCREMENT PRIMARY KEY, v INT) ENGINE=MyISAM', [], db.name);
    await assert.rejects(
      measureWrites(options().connection, { kind: 'rolled-back', sql: 'INSERT INTO notes_myisam (v) VALUES (?)' }, 1, 1, serverJournal(options().connection)),
      /cannot be measured without keeping its rows: notes_myisam \(MyISAM\) would not roll back/,
    );
    const [count] = await adminQuery<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM notes_myisam', [], db.name);
    assert.equal(Number(count!.n), 0);
  });

  test('an interrupted measurement still drops its scratch table', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const writes = await measureWrites(options().connection, { kind: 'scratch', schema: db.name, table: 'orders' }, 30, 2, serverJournal(options().connection), stop.signal);
    assert.ok(writes.seconds < 10, `stopped early: ${writes.seconds} s`);
    assert.deepEqual(await scratchTables(), []);
  });

  test('a trial stopped after adding its indexes leaves them to the journal, which drops them and forgets them', async () => {
    const stop = new AbortController();
    const journal = serverJournal(connectionOptions());
    const o = options();
    const before = await indexNames();
    const recordedBefore = await recorded();
    const report = runIndexCheck({
      ...o,
      journal,
      apply: true,
      rollback: true,
      writeSeconds: 0,
      signal: stop.signal,
      out: (line: string) => {
        lines.push(line);
        if (line.startsWith('    done in')) stop.abort();
      },
    });
    await assert.rejects(report, /interrupted/);
    const added = (await indexNames()).filter((name) => !before.includes(name));
    assert.ok(added.length > 0, 'the trial added indexes before it was stopped');
    const [pending] = await adminQuery<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM ${JOURNAL_TABLE} WHERE kind = 'index'`, [], db.name);
    assert.equal(Number(pending!.n), added.length, 'each added index journalled until the trial drops it');
    // What every exit path of the CLI does (main's finally, a second signal): put back what is journalled.
    await journal.restoreAll(() => undefined);
    assert.deepEqual(await indexNames(), before);
    // Forgotten as well (a stale record of the same name, from before, goes with it: that index is gone).
    assert.deepEqual(await recorded(), recordedBefore.filter((name) => !added.includes(name)));
    const [left] = await adminQuery<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM ${JOURNAL_TABLE}`, [], db.name);
    assert.equal(Number(left!.n), 0);
  });

  test('--apply keeps its indexes: recorded for --rollback, nothing left in the journal', async () => {
    const before = await indexNames();
    const report = await runIndexCheck({ ...options(), apply: true, writeSeconds: 0 });
    const added = report.applied.filter((a) => !a.error).map((a) => a.index);
    assert.ok(added.length > 0);
    assert.deepEqual((await indexNames()).filter((name) => !before.includes(name)).sort(), [...added].sort());
    const [left] = await adminQuery<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM ${JOURNAL_TABLE}`, [], db.name);
    assert.equal(Number(left!.n), 0);
    for (const name of added) assert.ok((await recorded()).some((r) => r.includes(name)), `${name} recorded for --rollback`);
    const rollback = await runIndexCheck({ ...options(), rollback: true });
    assert.ok(rollback.dropped.length >= added.length);
    assert.deepEqual(
      (await indexNames()).filter((name) => added.includes(name)),
      [],
    );
  });

  test('hostile plans are refused by the command before any SQL: exit 2, file and line named, text quoted', async () => {
    const victim = 'victim';
    await adminQuery(`CREATE TABLE ${victim} (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, description TEXT) ENGINE=InnoDB`, [], db.name);
    await adminQuery(`INSERT INTO ${victim} (name, description) VALUES ('a', 'x'), ('b', 'y')`, [], db.name);
    await adminQuery(`ALTER TABLE ${victim} ADD INDEX ib_pre (name)`, [], db.name);
    const shape = async (): Promise<string> => {
      const [create] = await adminQuery<Array<Record<string, string>>>(`SHOW CREATE TABLE ${victim}`, [], db.name);
      return `${create!['Create Table']} ${JSON.stringify(await fingerprint(victim))}`;
    };
    const original = await shape();
    const dir = tempDir('ib-index-plan-');
    try {
      const cases: Array<{ file: string; plan: string; args: string[]; message: RegExp }> = [
        {
          file: 'rider.sql',
          plan: '-- looks like an index\nCREATE INDEX ib_x ON victim (name) , DROP COLUMN description;\n',
          args: ['--apply'],
          message: /rider\.sql line 2: refused, unexpected text near ", DROP COLUMN description": "CREATE INDEX ib_x ON victim \(name\) , DROP COLUMN description"/,
        },
        { file: 'drop-primary.sql', plan: 'DROP INDEX `PRIMARY` ON victim;', args: ['--rollback'], message: /drop-primary\.sql line 1: refused, only ALTER TABLE … ADD INDEX and CREATE INDEX/ },
        { file: 'name-primary.sql', plan: 'CREATE INDEX `PRIMARY` ON victim (id);', args: ['--rollback'], message: /name-primary\.sql line 1: refused, PRIMARY is the primary key's name/ },
      ];
      for (const c of cases) {
        const path = join(dir.path, c.file);
        writeFileSync(path, c.plan);
        const result = await runCli(['index-check', ...connectionArgs(db.name), '--plan', path, '--write-seconds', '0', ...c.args]);
        assert.equal(result.code, 2, describeResult(result));
        assert.match(result.stderr, c.message, describeResult(result));
        assert.equal(await shape(), original, c.file);
      }
      // A well-formed plan naming the pre-existing index: --rollback refuses it, exit 1, nothing dropped.
      const path = join(dir.path, 'pre-existing.sql');
      writeFileSync(path, 'ALTER TABLE victim ADD INDEX ib_pre (name);');
      const result = await runCli(['index-check', ...connectionArgs(db.name), '--plan', path, '--rollback']);
      assert.equal(result.code, 1, describeResult(result));
      assert.match(result.stderr, /1 index\(es\) not dropped: victim\.ib_pre \(not added by innobench/, describeResult(result));
      assert.equal(await shape(), original);
    } finally {
      dir.remove();
    }
  });

  test('ALTER TABLE progress is read from a second connection (MariaDB reports stages for a copying ALTER)', async () => {
    const connection = { host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database: db.name };
    const worker = await connectControl(connection);
    const monitor = await connectControl(connection);
    try {
      const seen: Array<{ stage?: number; maxStage?: number; state: string }> = [];
      const seconds = await runWithProgress(worker, monitor, 'ALTER TABLE orders ADD INDEX idx_amount (amount), ALGORITHM=COPY', { index: 'idx_amount', table: 'orders' }, (p) => seen.push(p), 10);
      assert.ok(seconds > 0);
      assert.ok(seen.length > 0, 'at least one progress reading');
      const [columns] = await monitor.query("SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'PROCESSLIST' AND COLUMN_NAME = 'MAX_STAGE'");
      if (Number((columns as Array<{ n: number }>)[0]!.n) === 1) assert.ok(seen.some((p) => (p.maxStage ?? 0) >= 1), JSON.stringify(seen));
    } finally {
      await worker.end();
      await monitor.end();
    }
  });
});
