import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  acceptance,
  addStatement,
  checkExplain,
  customWrite,
  formatAcceptance,
  median,
  parsePlan,
  parseQueries,
  percentile,
  rollbackStatements,
  runIndexCheck,
  runWithProgress,
  splitStatements,
  type ExplainRow,
  type IndexColumn,
  type Measurement,
  type QueryMeasure,
} from '../../src/procedures/indexCheck.js';
import { SERVER, adminConnection, adminQuery, createTestDatabase, type TestDatabase } from '../helpers.js';
import { connectControl } from '../../src/db/connect.js';

// ---------------------------------------------------------------------------------------------
// The plan parser
// ---------------------------------------------------------------------------------------------

const cols = (...names: string[]): IndexColumn[] => names.map((name) => ({ name }));

test('parsePlan reads the guide-style index DDL', () => {
  const cases: Array<{ name: string; sql: string; want: Array<{ schema?: string; table: string; name: string; columns: IndexColumn[]; kind?: string; alterOptions?: string[] }> }> = [
    { name: 'ALTER TABLE … ADD INDEX', sql: 'ALTER TABLE user ADD INDEX idx_update_time (update_time);', want: [{ table: 'user', name: 'idx_update_time', columns: cols('update_time') }] },
    {
      name: 'several ADD clauses in one ALTER, KEY synonym, backticks',
      sql: 'ALTER TABLE `order_tab` ADD INDEX idx_create_time (create_time), ADD KEY `idx_user_create_time` (`user_id`, `create_time`);',
      want: [
        { table: 'order_tab', name: 'idx_create_time', columns: cols('create_time') },
        { table: 'order_tab', name: 'idx_user_create_time', columns: cols('user_id', 'create_time') },
      ],
    },
    { name: 'CREATE INDEX … ON', sql: 'CREATE INDEX idx_status_update_time ON dataset (status, update_time);', want: [{ table: 'dataset', name: 'idx_status_update_time', columns: cols('status', 'update_time') }] },
    { name: 'CREATE UNIQUE INDEX, qualified table', sql: 'create unique index uq_a on shop.t (a)', want: [{ schema: 'shop', table: 't', name: 'uq_a', columns: cols('a'), kind: 'UNIQUE' }] },
    {
      name: 'prefix length and DESC',
      sql: 'ALTER TABLE t ADD INDEX idx_n (name(10), created DESC)',
      want: [{ table: 't', name: 'idx_n', columns: [{ name: 'name', length: 10 }, { name: 'created', order: 'DESC' }] }],
    },
    {
      name: 'ALGORITHM / LOCK clauses are kept for applying',
      sql: 'ALTER TABLE t ADD INDEX idx_a (a), ALGORITHM=INPLACE, LOCK = NONE;',
      want: [{ table: 't', name: 'idx_a', columns: cols('a'), alterOptions: ['ALGORITHM=INPLACE', 'LOCK=NONE'] }],
    },
    { name: 'IF NOT EXISTS (MariaDB)', sql: 'ALTER TABLE t ADD INDEX IF NOT EXISTS idx_a (a)', want: [{ table: 't', name: 'idx_a', columns: cols('a') }] },
    { name: 'CREATE INDEX with USING and options', sql: "CREATE INDEX idx_a USING BTREE ON t (a) COMMENT 'cdc' ALGORITHM=INPLACE", want: [{ table: 't', name: 'idx_a', columns: cols('a'), alterOptions: ['ALGORITHM=INPLACE'] }] },
    {
      name: 'USE qualifies the following tables',
      sql: 'USE dianshu_backend;\nCREATE INDEX idx_u ON user (update_time);\nUSE matomo;\nCREATE INDEX idx_s ON matomo_log_visit (visit_last_action_time);',
      want: [
        { schema: 'dianshu_backend', table: 'user', name: 'idx_u', columns: cols('update_time') },
        { schema: 'matomo', table: 'matomo_log_visit', name: 'idx_s', columns: cols('visit_last_action_time') },
      ],
    },
    {
      name: 'comments of every kind, and a ; inside a string',
      sql: "-- P0-01\n# hash comment\n/* block; with ; semicolons */ ALTER TABLE t -- trailing\n ADD INDEX idx_a (a) COMMENT 'x;y';\n-- DROP INDEX idx_a ON t;",
      want: [{ table: 't', name: 'idx_a', columns: cols('a') }],
    },
  ];
  for (const c of cases) {
    const plan = parsePlan(c.sql);
    assert.deepEqual(plan.errors, [], c.name);
    assert.deepEqual(
      plan.indexes.map((i) => ({ ...(i.schema ? { schema: i.schema } : {}), table: i.table, name: i.name, columns: i.columns })),
      c.want.map((w) => ({ ...(w.schema ? { schema: w.schema } : {}), table: w.table, name: w.name, columns: w.columns })),
      c.name,
    );
    for (const [k, w] of c.want.entries()) {
      if (w.kind) assert.equal(plan.indexes[k]!.kind, w.kind, c.name);
      if (w.alterOptions) assert.deepEqual(plan.indexes[k]!.alterOptions, w.alterOptions, c.name);
    }
  }
});

test('parsePlan refuses what a plan must not do, and skips what is not DDL', () => {
  const refused: Array<{ sql: string; reason: RegExp }> = [
    { sql: 'DROP INDEX idx_a ON t;', reason: /only ALTER TABLE … ADD INDEX and CREATE INDEX/ },
    { sql: 'ALTER TABLE t DROP INDEX idx_a;', reason: /only ADD INDEX clauses/ },
    { sql: 'ALTER TABLE t ADD COLUMN c INT;', reason: /only ADD INDEX clauses/ },
    { sql: 'ALTER TABLE t ADD INDEX (a);', reason: /index without a name/ },
    { sql: 'ALTER TABLE t ADD INDEX idx_a ((a + 1));', reason: /functional key parts/ },
    { sql: 'CREATE INDEX idx_a ON t;', reason: /expected "\("/ },
    { sql: 'ALTER TABLE t ADD INDEX idx_a (a); CREATE INDEX idx_a ON t (b);', reason: /planned twice/ },
    { sql: 'CREATE TABLE t (a INT);', reason: /only ALTER TABLE/ },
  ];
  for (const r of refused) {
    const plan = parsePlan(r.sql);
    assert.equal(plan.errors.length, 1, r.sql);
    assert.match(plan.errors[0]!.reason, r.reason, r.sql);
  }
  const skipped = parsePlan("SELECT 'start';\nSET sql_log_bin = 0;\nSHOW INDEX FROM t;\nCREATE INDEX i ON t (a);");
  assert.deepEqual(skipped.errors, []);
  assert.equal(skipped.ignored.length, 3);
  assert.equal(skipped.indexes.length, 1);
  assert.equal(skipped.indexes[0]!.line, 4);
});

test('rollback and apply statements are derived from the plan', () => {
  const plan = parsePlan('ALTER TABLE orders ADD INDEX idx_a (a), ADD INDEX idx_ab (a, b), ALGORITHM=INPLACE;\nCREATE UNIQUE INDEX uq ON shop.orders (c(8));');
  assert.deepEqual(rollbackStatements(plan), [
    'ALTER TABLE `orders` DROP INDEX `idx_a`',
    'ALTER TABLE `orders` DROP INDEX `idx_ab`',
    'ALTER TABLE `shop`.`orders` DROP INDEX `uq`',
  ]);
  assert.equal(addStatement(plan.indexes[1]!), 'ALTER TABLE `orders` ADD INDEX idx_ab (a, b), ALGORITHM=INPLACE');
  assert.equal(addStatement(plan.indexes[2]!), 'ALTER TABLE `shop`.`orders` ADD UNIQUE INDEX `uq` (c(8))');
});

test('splitStatements keeps the comments before each statement and its line', () => {
  const statements = splitStatements("-- one\nSELECT 1;\n\n/* two */\n-- expect: idx\nSELECT ';' AS x\n;\n-- dangling");
  assert.deepEqual(
    statements.map((s) => ({ sql: s.sql, comments: s.comments, line: s.line })),
    [
      { sql: 'SELECT 1', comments: ['one'], line: 2 },
      { sql: "SELECT ';' AS x", comments: ['two', 'expect: idx'], line: 6 },
    ],
  );
});

test('parseQueries reads "-- expect:" and refuses statements that write', () => {
  const { queries, errors } = parseQueries('-- expect: idx_update_time\nSELECT * FROM t WHERE update_time > NOW() - INTERVAL 1 DAY;\nSELECT 1;\n-- expect: `idx_b`\nWITH x AS (SELECT 1) SELECT * FROM x;\nDELETE FROM t;');
  assert.deepEqual(
    queries.map((q) => q.expect),
    ['idx_update_time', undefined, 'idx_b'],
  );
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.reason, /read-only/);
});

test('customWrite counts the placeholders outside strings and checks the generators', () => {
  const w = customWrite("INSERT INTO t (a, b, note) VALUES (?, ?, 'what?')", ['seq', 'now']);
  assert.equal(w.params.length, 2);
  assert.equal(w.params[0]!(41), 41);
  assert.ok(w.params[1]!(0) instanceof Date);
  assert.equal(customWrite('INSERT INTO t (a) VALUES (?)', undefined).params.length, 1);
  assert.throws(() => customWrite('INSERT INTO t (a) VALUES (?)', ['seq', 'int']), /1 placeholder\(s\) but --write-params names 2/);
  assert.throws(() => customWrite('INSERT INTO t (a) VALUES (?)', ['nope']), /unknown generator/);
});

// ---------------------------------------------------------------------------------------------
// EXPLAIN check, statistics and the acceptance table
// ---------------------------------------------------------------------------------------------

const row = (type: string | null, key: string | null, table = 't'): ExplainRow => ({ table, type, key, rows: 10, extra: '' });

test('checkExplain: the expected index on a row that is not a full scan', () => {
  const cases: Array<{ name: string; rows: ExplainRow[]; expect?: string; ok: boolean; reason: RegExp }> = [
    { name: 'full scan', rows: [row('ALL', null)], expect: 'idx_a', ok: false, reason: /full table scan/ },
    { name: 'range on it', rows: [row('range', 'idx_a')], expect: 'idx_a', ok: true, reason: /uses idx_a/ },
    { name: 'case-insensitive', rows: [row('ref', 'IDX_A')], expect: 'idx_a', ok: true, reason: /uses/ },
    { name: 'another index', rows: [row('ref', 'PRIMARY')], expect: 'idx_a', ok: false, reason: /idx_a not used \(uses PRIMARY\)/ },
    { name: 'index_merge lists several keys', rows: [row('index_merge', 'idx_b,idx_a')], expect: 'idx_a', ok: true, reason: /uses/ },
    { name: 'no expectation, some index', rows: [row('ref', 'idx_b')], ok: true, reason: /uses idx_b/ },
    { name: 'no expectation, a join with a full scan', rows: [row('ALL', null, 'u'), row('ref', 'idx_b')], ok: false, reason: /full table scan/ },
    { name: 'no expectation, no index', rows: [row(null, null)], ok: false, reason: /no index used/ },
  ];
  for (const c of cases) {
    const check = checkExplain(c.rows, c.expect);
    assert.equal(check.ok, c.ok, c.name);
    assert.match(check.reason, c.reason, c.name);
  }
  assert.equal(checkExplain([row('range', 'idx_a')], 'idx_a').access, 't:range(idx_a) rows=10');
});

test('median and nearest-rank p95', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95), 19);
  assert.equal(percentile([5], 95), 5);
  assert.ok(Number.isNaN(median([])));
});

function measurement(medians: number[], okCount: number, missing: number, rowsPerSec: number | null): Measurement {
  const queries: QueryMeasure[] = medians.map((m, k) => ({
    query: { sql: `SELECT ${k}`, line: k + 1 },
    explain: { access: '', fullScan: k >= okCount, keys: [], ok: k < okCount, reason: '' },
    medianMs: m,
    p95Ms: m,
    runs: 20,
  }));
  return {
    indexes: [],
    missing,
    queries,
    writes: rowsPerSec === null ? null : { rows: rowsPerSec * 10, seconds: 10, rowsPerSec, perSecond: [], errors: 0, connections: 4 },
  };
}

test('acceptance: the guide\'s thresholds (≥ 50 % faster, < 10 % write loss, 0 missing, EXPLAIN)', () => {
  const cases: Array<{ name: string; before: Measurement; after: Measurement | null; results: string[]; accepted: boolean }> = [
    { name: 'all pass', before: measurement([10, 10], 0, 2, 1000), after: measurement([2, 2], 2, 0, 950), results: ['PASS', 'PASS', 'PASS', 'PASS'], accepted: true },
    { name: 'exactly 50 % faster passes', before: measurement([10], 0, 1, 1000), after: measurement([5], 1, 0, 1000), results: ['PASS', 'PASS', 'PASS', 'PASS'], accepted: true },
    { name: 'only 40 % faster', before: measurement([10], 0, 1, 1000), after: measurement([6], 1, 0, 1000), results: ['FAIL', 'PASS', 'PASS', 'PASS'], accepted: false },
    { name: 'exactly 10 % write loss fails', before: measurement([10], 0, 1, 1000), after: measurement([1], 1, 0, 900), results: ['PASS', 'FAIL', 'PASS', 'PASS'], accepted: false },
    { name: 'writes faster after is fine', before: measurement([10], 0, 1, 1000), after: measurement([1], 1, 0, 1100), results: ['PASS', 'PASS', 'PASS', 'PASS'], accepted: true },
    { name: 'an index still missing', before: measurement([10], 0, 2, 1000), after: measurement([1], 1, 1, 1000), results: ['PASS', 'PASS', 'FAIL', 'PASS'], accepted: false },
    { name: 'a query still scans', before: measurement([10, 10], 0, 2, 1000), after: measurement([1, 1], 1, 0, 1000), results: ['PASS', 'PASS', 'PASS', 'FAIL'], accepted: false },
    { name: 'writes not measured', before: measurement([10], 0, 1, null), after: measurement([1], 1, 0, null), results: ['PASS', 'n/a', 'PASS', 'PASS'], accepted: true },
    { name: 'no --apply: the current state only', before: measurement([1], 1, 0, 1000), after: null, results: ['n/a', 'n/a', 'PASS', 'PASS'], accepted: true },
    { name: 'no --apply, indexes missing', before: measurement([10], 0, 3, 1000), after: null, results: ['n/a', 'n/a', 'FAIL', 'FAIL'], accepted: false },
  ];
  for (const c of cases) {
    const a = acceptance(c.before, c.after);
    assert.deepEqual(a.criteria.map((x) => x.result), c.results, c.name);
    assert.equal(a.accepted, c.accepted, c.name);
  }
  const table = formatAcceptance(acceptance(measurement([10, 10], 0, 2, 1000), measurement([2, 2], 2, 0, 950)));
  assert.match(table[1]!, /query time \(sum of medians\)\s+20\.0 ms\s+4\.00 ms\s+-80\.0 %\s+≥ 50 % less\s+PASS/);
  assert.match(table[2]!, /write throughput\s+1000 rows\/s\s+950 rows\/s\s+-5\.0 %\s+< 10 % loss\s+PASS/);
  assert.equal(table.at(-1), '  overall: ACCEPT');
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
  const options = () => ({
    connection: { host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database: db.name },
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
    // The write workload's rows were deleted again.
    const [count] = await adminQuery<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM orders', [], db.name);
    assert.equal(Number(count!.n), ROWS);
    assert.deepEqual(await indexNames(), ['idx_create_time', 'idx_status_update_time', 'idx_update_time', 'idx_user_create_time', 'PRIMARY']);
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
