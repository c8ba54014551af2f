import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addStatement, parsePlan, parseQueries, rollbackStatements, type IndexColumn } from './indexPlan.js';

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

test('apply and rollback statements are rebuilt from the parsed plan, never spliced from its text', () => {
  const plan = parsePlan("ALTER TABLE orders ADD INDEX idx_a (a), ADD INDEX idx_ab (a, b DESC), ALGORITHM=INPLACE;\nCREATE UNIQUE INDEX uq USING BTREE ON shop.orders (c(8)) COMMENT 'it''s' LOCK=NONE;");
  assert.deepEqual(plan.errors, []);
  assert.deepEqual(rollbackStatements(plan), [
    'ALTER TABLE `orders` DROP INDEX `idx_a`',
    'ALTER TABLE `orders` DROP INDEX `idx_ab`',
    'ALTER TABLE `shop`.`orders` DROP INDEX `uq`',
  ]);
  assert.equal(addStatement(plan.indexes[1]!), 'ALTER TABLE `orders` ADD INDEX `idx_ab` (`a`, `b` DESC), ALGORITHM=INPLACE');
  assert.equal(addStatement(plan.indexes[2]!), "ALTER TABLE `shop`.`orders` ADD UNIQUE INDEX `uq` (`c`(8)) USING BTREE COMMENT 'it\\'s', LOCK=NONE");
  assert.equal(addStatement(parsePlan('ALTER ONLINE TABLE t ADD FULLTEXT KEY ft (body)').indexes[0]!), 'ALTER TABLE `t` ADD FULLTEXT INDEX `ft` (`body`), LOCK=NONE');
});

test('hostile plans are refused with the line and the text near the problem', () => {
  const refused: Array<{ sql: string; reason: RegExp }> = [
    // A DROP COLUMN riding on CREATE INDEX: it used to be spliced into the ALTER and run.
    { sql: 'CREATE INDEX ib_x ON victim (name) , DROP COLUMN description;', reason: /unexpected text near ", DROP COLUMN description"/ },
    { sql: 'ALTER TABLE victim ADD INDEX ib_x (name), DROP COLUMN description;', reason: /only ADD INDEX clauses .* near "DROP COLUMN description"/ },
    { sql: 'CREATE INDEX ib_x ON victim (name) DROP COLUMN description;', reason: /only USING, COMMENT and KEY_BLOCK_SIZE, ALGORITHM and LOCK .* near "DROP COLUMN/ },
    { sql: 'ALTER TABLE victim ADD INDEX ib_x (name) COMMENT \'x\' ENGINE=MyISAM;', reason: /only USING, COMMENT and KEY_BLOCK_SIZE may follow/ },
    { sql: 'DROP INDEX `PRIMARY` ON victim;', reason: /only ALTER TABLE … ADD INDEX and CREATE INDEX/ },
    { sql: 'ALTER TABLE victim DROP PRIMARY KEY;', reason: /only ADD INDEX clauses/ },
    { sql: 'ALTER TABLE victim ADD PRIMARY KEY (id);', reason: /only ADD INDEX clauses/ },
    { sql: 'CREATE INDEX `PRIMARY` ON victim (name);', reason: /PRIMARY is the primary key's name/ },
    { sql: 'ALTER TABLE victim ADD UNIQUE KEY primary (name);', reason: /PRIMARY is the primary key's name/ },
    { sql: 'ALTER IGNORE TABLE victim ADD UNIQUE INDEX u (name);', reason: /ALTER IGNORE deletes rows/ },
    { sql: 'CREATE OR REPLACE INDEX ib_x ON victim (name);', reason: /CREATE OR REPLACE INDEX drops an existing index/ },
    { sql: 'ALTER TABLE victim ADD CONSTRAINT c FOREIGN KEY fk (a) REFERENCES t (id);', reason: /only a UNIQUE constraint/ },
    { sql: 'ALTER TABLE victim ADD INDEX ib_x (name), ALGORITHM=BOGUS;', reason: /ALGORITHM must be one of/ },
    { sql: 'CREATE INDEX ib_x ON victim (name); TRUNCATE victim;', reason: /only ALTER TABLE … ADD INDEX and CREATE INDEX/ },
  ];
  for (const r of refused) {
    const plan = parsePlan(r.sql);
    assert.equal(plan.errors.length, 1, r.sql);
    assert.match(plan.errors[0]!.reason, r.reason, r.sql);
    assert.equal(plan.errors[0]!.line, 1, r.sql);
  }
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

