import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mysqlPromise, { type Connection } from 'mysql2/promise';
import type { PromiseConnection } from '../../src/db/connect.js';
import type { AuditStatement } from '../../src/engine/scenario.js';
import { formatAuditTable, runExplainAudit } from '../../src/procedures/explainAudit.js';
import { judgeRow, judgeStatement, rowsEstimate, type Issue } from '../../src/analysis/index/explainJudge.js';
import { mergeAnalyze, planFromExplainRows, planFromJson, type PlanRow } from '../../src/analysis/index/explainPlan.js';
import { identifiersOf, statementKind } from '../../src/sql/sqlText.js';

// The seed's statement (002): the join has no join condition, so person is read in full.
const SEED_BAD_SQL = 'SELECT person_123.id FROM person_123 INNER JOIN group_123 WHERE person_123.name = ? AND group_123.name = ?';
const SEED_FIXED_SQL = 'SELECT person_123.id FROM person_123 INNER JOIN group_123 ON person_123.group_id = group_123.id WHERE person_123.name = ? AND group_123.name = ?';

/** A plan row with unremarkable defaults. */
function row(fields: Partial<PlanRow>): PlanRow {
  return {
    id: 1,
    selectType: 'SIMPLE',
    table: 't',
    type: 'ref',
    possibleKeys: 'k',
    key: 'k',
    keyLen: '4',
    ref: 'const',
    rows: 1,
    filtered: 100,
    extra: '',
    ...fields,
  };
}

// The seed's EXPLAIN (002, "explain语句"), as mysql2 returns tabular EXPLAIN rows.
const SEED_BAD_ROWS = [
  { id: 1, select_type: 'SIMPLE', table: 'group_123', type: 'const', possible_keys: 'name', key: 'name', key_len: '22', ref: 'const', rows: 1, Extra: 'Using index' },
  { id: 1, select_type: 'SIMPLE', table: 'person_123', type: 'index', possible_keys: null, key: 'group_id', key_len: '26', ref: null, rows: 921849, Extra: 'Using where; Using index' },
];

describe('verdict of a plan row', () => {
  const cases: Array<{ name: string; row: Partial<PlanRow>; issues: Issue[] }> = [
    { name: 'const', row: { type: 'const' }, issues: [] },
    { name: 'system', row: { type: 'system' }, issues: [] },
    { name: 'eq_ref', row: { type: 'eq_ref' }, issues: [] },
    { name: 'ref', row: { type: 'ref', rows: 10 }, issues: [] },
    { name: 'range', row: { type: 'range', rows: 10 }, issues: [] },
    { name: 'index_merge', row: { type: 'index_merge' }, issues: [] },
    { name: 'unique_subquery', row: { type: 'unique_subquery', selectType: 'DEPENDENT SUBQUERY' }, issues: [] },
    { name: 'ALL', row: { type: 'ALL', key: null, possibleKeys: null, rows: 9790 }, issues: ['full scan'] },
    { name: 'all, lower case', row: { type: 'all', key: null }, issues: ['full scan'] },
    { name: 'MariaDB hash join over a full scan', row: { type: 'hash_ALL', key: '#hash#$hj' }, issues: ['full scan'] },
    { name: 'index (covering, the seed)', row: { type: 'index', key: 'group_id', possibleKeys: null, extra: 'Using where; Using index', rows: 921849 }, issues: ['full index scan'] },
    { name: 'index on a tiny table is still flagged', row: { type: 'index', rows: 2, extra: 'Using index' }, issues: ['full index scan'] },
    { name: 'UPDATE target scanning its primary key (seed IN-subquery update)', row: { selectType: 'UPDATE', type: 'index', key: 'PRIMARY', possibleKeys: null, rows: 999, extra: 'Using where' }, issues: ['full index scan'] },
    { name: 'INSERT target (type ALL, rows NULL) reads nothing', row: { selectType: 'INSERT', type: 'ALL', key: null, possibleKeys: null, rows: null, extra: '' }, issues: [] },
    { name: 'REPLACE target', row: { selectType: 'REPLACE', type: 'ALL', key: null, rows: null }, issues: [] },
    { name: 'materialised subquery is internal', row: { table: '<subquery2>', type: 'ALL', key: null }, issues: [] },
    { name: 'derived table is internal', row: { table: '<derived2>', type: 'ALL', key: null }, issues: [] },
    { name: 'filesort', row: { type: 'ref', extra: 'Using where; Using filesort' }, issues: ['filesort'] },
    { name: 'temporary + filesort', row: { type: 'ALL', key: null, extra: 'Using temporary; Using filesort' }, issues: ['full scan', 'filesort', 'temporary'] },
    { name: 'no tables used', row: { table: null, type: null, key: null, rows: null, extra: 'No tables used' }, issues: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(judgeRow(row(c.row)).issues, c.issues);
    });
  }

  test('a scan says whether an index was possible', () => {
    assert.match(judgeRow(row({ type: 'ALL', key: null, possibleKeys: 'member_file', rows: 400 })).hint ?? '', /possible \(member_file\)/);
    assert.match(judgeRow(row({ type: 'ALL', key: null, possibleKeys: null, rows: 400 })).hint ?? '', /missing index or join condition/);
    assert.match(judgeRow(row({ type: 'index', key: 'group_id', possibleKeys: null, rows: 921849 })).hint ?? '', /reads all of index group_id/);
    // An empty table: the verdict stands, the hint says why the plan is not the real one.
    const empty = judgeRow(row({ type: 'ALL', key: null, possibleKeys: 'PRIMARY', rows: 1 }));
    assert.deepEqual(empty.issues, ['full scan']);
    assert.match(empty.hint ?? '', /looks empty/);
    assert.equal(judgeRow(row({ type: 'ref' })).hint, undefined);
  });
});

describe('verdict of a statement', () => {
  test("the seed's join without a join condition: full index scan and 921849 rows where 1 was expected", () => {
    const plan = planFromExplainRows(SEED_BAD_ROWS);
    assert.equal(plan[1]!.rows, 921849);
    assert.equal(plan[1]!.extra, 'Using where; Using index');
    const judged = judgeStatement({ mustUseIndex: true, expectedRows: 1 }, plan);
    assert.deepEqual(judged.issues, ['full index scan', 'rows estimate']);
    assert.equal(judged.rowsEstimate, 921849);
    assert.equal(judged.verdict, 'full index scan (person_123); rows estimate 921849 > 10× expected 1');
    assert.equal(judged.pass, false);
  });

  test('a statement that need not use an index is flagged but passes', () => {
    const judged = judgeStatement({ mustUseIndex: false, expectedRows: 1 }, planFromExplainRows(SEED_BAD_ROWS));
    assert.equal(judged.pass, true);
    assert.notEqual(judged.verdict, 'ok');
  });

  test('the rows factor is an option; the estimate is the nested-loop product per SELECT', () => {
    const plan = [row({ table: 'i', type: 'ref', rows: 10 }), row({ table: 'f', type: 'eq_ref', rows: 1 })];
    assert.equal(rowsEstimate(plan), 10);
    assert.equal(judgeStatement({ mustUseIndex: true, expectedRows: 10 }, plan).verdict, 'ok');
    assert.equal(judgeStatement({ mustUseIndex: true, expectedRows: 1 }, plan, 10).verdict, 'ok');
    assert.equal(judgeStatement({ mustUseIndex: true, expectedRows: 1 }, plan, 5).verdict, 'rows estimate 10 > 5× expected 1');
    assert.equal(judgeStatement({ mustUseIndex: true, expectedRows: 1 }, plan, 5).pass, true);
    // Two SELECTs: the largest product, not the product of both.
    const twoSelects = [row({ id: 1, rows: 999 }), row({ id: 2, rows: 8 }), row({ id: 2, rows: 1 })];
    assert.equal(rowsEstimate(twoSelects), 999);
    // No expectation: no rows verdict.
    assert.equal(judgeStatement({ mustUseIndex: true }, [row({ rows: 1e6 })]).verdict, 'ok');
  });

  test("the seed's IN-subquery UPDATE fails, its JOIN rewrite passes (tabular MySQL 5.7 rows)", () => {
    const inSubquery = planFromExplainRows([
      { id: 1, select_type: 'UPDATE', table: 'group_count_123', partitions: null, type: 'index', possible_keys: null, key: 'PRIMARY', key_len: '3', ref: null, rows: 999, filtered: 100.0, Extra: 'Using where' },
      { id: 2, select_type: 'DEPENDENT SUBQUERY', table: 'group_member_123', partitions: null, type: 'unique_subquery', possible_keys: 'PRIMARY,person_id', key: 'PRIMARY', key_len: '7', ref: 'func,const', rows: 1, filtered: 100.0, Extra: 'Using index' },
    ]);
    const join = planFromExplainRows([
      { id: 1, select_type: 'SIMPLE', table: 'group_member_123', partitions: null, type: 'ref', possible_keys: 'PRIMARY,person_id', key: 'person_id', key_len: '4', ref: 'const', rows: 8, filtered: 100.0, Extra: 'Using index' },
      { id: 1, select_type: 'UPDATE', table: 'group_count_123', partitions: null, type: 'eq_ref', possible_keys: 'PRIMARY', key: 'PRIMARY', key_len: '3', ref: 'face_id.group_member.group_id', rows: 1, filtered: 100.0, Extra: null },
    ]);
    const bad = judgeStatement({ mustUseIndex: true, expectedRows: 8 }, inSubquery);
    assert.equal(bad.pass, false);
    assert.equal(bad.verdict, 'full index scan (group_count_123); rows estimate 999 > 10× expected 8');
    const good = judgeStatement({ mustUseIndex: true, expectedRows: 8 }, join);
    assert.equal(good.verdict, 'ok');
    assert.equal(good.pass, true);
    assert.equal(join[1]!.extra, '');
  });

  test('filesort and temporary are warnings', () => {
    const judged = judgeStatement({ mustUseIndex: true }, [row({ type: 'ref', extra: 'Using where; Using temporary; Using filesort' })]);
    assert.deepEqual(judged.issues, ['filesort', 'temporary']);
    assert.equal(judged.pass, true);
  });
});

// MySQL 8.0 EXPLAIN FORMAT=JSON (format version 1), written by hand after the manual's layout.
const MYSQL_SEED_BAD = JSON.stringify({
  query_block: {
    select_id: 1,
    cost_info: { query_cost: '93128.37' },
    nested_loop: [
      {
        table: {
          table_name: 'group_123',
          access_type: 'const',
          possible_keys: ['name'],
          key: 'name',
          used_key_parts: ['name'],
          key_length: '62',
          ref: ['const'],
          rows_examined_per_scan: 1,
          rows_produced_per_join: 1,
          filtered: '100.00',
          using_index: true,
          cost_info: { read_cost: '0.00', eval_cost: '0.10', prefix_cost: '0.00', data_read_per_join: '272' },
          used_columns: ['id', 'name'],
        },
      },
      {
        table: {
          table_name: 'person_123',
          access_type: 'index',
          key: 'group_id',
          used_key_parts: ['group_id', 'name'],
          key_length: '65',
          rows_examined_per_scan: 921849,
          rows_produced_per_join: 92184,
          filtered: '10.00',
          using_index: true,
          cost_info: { read_cost: '83909.88', eval_cost: '9218.49', prefix_cost: '93128.37', data_read_per_join: '24M' },
          used_columns: ['id', 'group_id', 'name'],
          attached_condition: "(`face_id`.`person_123`.`name` = 'xxxx')",
        },
      },
    ],
  },
});

const MYSQL_SEED_FIXED = JSON.stringify({
  query_block: {
    select_id: 1,
    cost_info: { query_cost: '0.00' },
    nested_loop: [
      {
        table: {
          table_name: 'group_123',
          access_type: 'const',
          possible_keys: ['PRIMARY', 'name'],
          key: 'name',
          used_key_parts: ['name'],
          key_length: '62',
          ref: ['const'],
          rows_examined_per_scan: 1,
          rows_produced_per_join: 1,
          filtered: '100.00',
          using_index: true,
          cost_info: { read_cost: '0.00', eval_cost: '0.10', prefix_cost: '0.00', data_read_per_join: '272' },
          used_columns: ['id', 'name'],
        },
      },
      {
        table: {
          table_name: 'person_123',
          access_type: 'const',
          possible_keys: ['group_id'],
          key: 'group_id',
          used_key_parts: ['group_id', 'name'],
          key_length: '65',
          ref: ['const', 'const'],
          rows_examined_per_scan: 1,
          rows_produced_per_join: 1,
          filtered: '100.00',
          using_index: true,
          cost_info: { read_cost: '0.00', eval_cost: '0.10', prefix_cost: '0.00', data_read_per_join: '272' },
          used_columns: ['id', 'group_id', 'name'],
        },
      },
    ],
  },
});

const MYSQL_ORDER_GROUP = JSON.stringify({
  query_block: {
    select_id: 1,
    cost_info: { query_cost: '1013.80' },
    ordering_operation: {
      using_filesort: true,
      grouping_operation: {
        using_temporary_table: true,
        using_filesort: false,
        table: {
          table_name: 'person_123',
          access_type: 'ALL',
          rows_examined_per_scan: 9790,
          rows_produced_per_join: 9790,
          filtered: '100.00',
          cost_info: { read_cost: '34.80', eval_cost: '979.00', prefix_cost: '1013.80', data_read_per_join: '2M' },
          used_columns: ['id', 'description'],
        },
      },
    },
  },
});

const MYSQL_UPDATE_IN_SUBQUERY = JSON.stringify({
  query_block: {
    select_id: 1,
    table: {
      update: true,
      table_name: 'group_count_123',
      access_type: 'index',
      key: 'PRIMARY',
      used_key_parts: ['group_id'],
      key_length: '3',
      rows_examined_per_scan: 999,
      filtered: '100.00',
      attached_condition: '<in_optimizer>(`face_id`.`group_count_123`.`group_id`,<exists>(<primary_index_lookup>(...)))',
      attached_subqueries: [
        {
          dependent: true,
          cacheable: false,
          query_block: {
            select_id: 2,
            cost_info: { query_cost: '0.35' },
            table: {
              table_name: 'group_member_123',
              access_type: 'unique_subquery',
              possible_keys: ['PRIMARY', 'person_id'],
              key: 'PRIMARY',
              used_key_parts: ['group_id', 'person_id'],
              key_length: '7',
              ref: ['func', 'const'],
              rows_examined_per_scan: 1,
              rows_produced_per_join: 1,
              filtered: '100.00',
              using_index: true,
            },
          },
        },
      ],
    },
  },
});

const MYSQL_INSERT = JSON.stringify({ query_block: { select_id: 1, table: { insert: true, table_name: 'feature_ex1_1', access_type: 'ALL' } } });

const MYSQL_DELETE = JSON.stringify({
  query_block: {
    select_id: 1,
    table: {
      delete: true,
      table_name: 'image_ex1',
      access_type: 'range',
      possible_keys: ['member_file'],
      key: 'member_file',
      used_key_parts: ['member_id'],
      key_length: '4',
      ref: ['const'],
      rows_examined_per_scan: 10,
      filtered: '100.00',
      attached_condition: '(`db`.`image_ex1`.`member_id` = 7)',
    },
  },
});

describe('MySQL EXPLAIN FORMAT=JSON', () => {
  test("the seed's bad join: access_type, key and rows_examined_per_scan are read; the audit flags it", () => {
    const plan = planFromJson(MYSQL_SEED_BAD);
    assert.deepEqual(
      plan.map((r) => [r.id, r.table, r.type, r.key, r.rows, r.possibleKeys, r.extra]),
      [
        [1, 'group_123', 'const', 'name', 1, 'name', 'Using index'],
        [1, 'person_123', 'index', 'group_id', 921849, null, 'Using where; Using index'],
      ],
    );
    assert.equal(plan[1]!.filtered, 10);
    const judged = judgeStatement({ mustUseIndex: true, expectedRows: 1 }, plan);
    assert.equal(judged.pass, false);
    assert.equal(judged.verdict, 'full index scan (person_123); rows estimate 921849 > 10× expected 1');
  });

  test('the fixed join is ok', () => {
    const plan = planFromJson(MYSQL_SEED_FIXED);
    assert.deepEqual(plan.map((r) => r.type), ['const', 'const']);
    assert.equal(plan[1]!.ref, 'const,const');
    assert.equal(judgeStatement({ mustUseIndex: true, expectedRows: 1 }, plan).verdict, 'ok');
  });

  test('ordering/grouping operations become Using filesort / Using temporary on the table below', () => {
    const plan = planFromJson(MYSQL_ORDER_GROUP);
    assert.equal(plan.length, 1);
    assert.equal(plan[0]!.extra, 'Using filesort; Using temporary');
    assert.deepEqual(judgeRow(plan[0]!).issues, ['full scan', 'filesort', 'temporary']);
  });

  test('UPDATE with a dependent subquery: both SELECTs, the update flagged', () => {
    const plan = planFromJson(MYSQL_UPDATE_IN_SUBQUERY);
    assert.deepEqual(
      plan.map((r) => [r.id, r.selectType, r.table, r.type, r.rows]),
      [
        [1, 'UPDATE', 'group_count_123', 'index', 999],
        [2, null, 'group_member_123', 'unique_subquery', 1],
      ],
    );
    const judged = judgeStatement({ mustUseIndex: true, expectedRows: 8 }, plan);
    assert.equal(judged.pass, false);
    assert.equal(judged.rowsEstimate, 999);
  });

  test('INSERT target is not a scan; DELETE by key range is ok', () => {
    const insert = planFromJson(MYSQL_INSERT);
    assert.deepEqual(insert.map((r) => [r.selectType, r.type, r.rows]), [['INSERT', 'ALL', null]]);
    assert.equal(judgeStatement({ mustUseIndex: false }, insert).verdict, 'ok');
    const del = planFromJson(MYSQL_DELETE);
    assert.deepEqual(del.map((r) => [r.selectType, r.type, r.key, r.rows, r.extra]), [['DELETE', 'range', 'member_file', 10, 'Using where']]);
    assert.equal(judgeStatement({ mustUseIndex: true, expectedRows: 10 }, del).verdict, 'ok');
  });

  test('runExplainAudit on MySQL sends EXPLAIN FORMAT=JSON with the parameters and reads the document', async () => {
    const sent: Array<{ sql: string; params: unknown }> = [];
    const fake = {
      async query(sql: string, params?: unknown) {
        sent.push({ sql, params });
        if (sql.startsWith('SET SESSION explain_json_format_version')) throw new Error('Unknown system variable');
        if (sql.includes('INNER JOIN group_123 WHERE')) return [[{ EXPLAIN: MYSQL_SEED_BAD }], []];
        if (sql.includes('INNER JOIN group_123 ON')) return [[{ EXPLAIN: MYSQL_SEED_FIXED }], []];
        if (sql.startsWith('EXPLAIN FORMAT=JSON INSERT')) return [[{ EXPLAIN: MYSQL_INSERT }], []];
        throw new Error(`unexpected ${sql}`);
      },
    } as unknown as PromiseConnection;
    const statements: AuditStatement[] = [
      { name: 'seed join', sql: SEED_BAD_SQL, params: ['p1', 'g1'], mustUseIndex: true, expectedRows: 1 },
      { name: 'fixed join', sql: SEED_FIXED_SQL, params: ['p1', 'g1'], mustUseIndex: true, expectedRows: 1 },
      { name: 'insert', sql: 'INSERT INTO feature_ex1_1 (image_id, feature) VALUES (?, ?)', params: [1, Buffer.alloc(2000)], mustUseIndex: false },
    ];
    const result = await runExplainAudit(fake, statements, { flavour: 'MySQL', version: '8.0.36' });
    assert.equal(result.method, 'EXPLAIN FORMAT=JSON');
    assert.deepEqual(sent.slice(1).map((s) => s.sql.split(' ').slice(0, 3).join(' ')), ['EXPLAIN FORMAT=JSON SELECT', 'EXPLAIN FORMAT=JSON SELECT', 'EXPLAIN FORMAT=JSON INSERT']);
    assert.deepEqual(sent[1]!.params, ['p1', 'g1']);
    assert.deepEqual(result.statements.map((s) => [s.name, s.pass, s.analyze]), [
      ['seed join', false, 'not run (MySQL)'],
      ['fixed join', true, 'not run (MySQL)'],
      ['insert', true, 'not run (MySQL)'],
    ]);
    assert.deepEqual(result.statements[2]!.params, ['1', '<2000 bytes>']);
    assert.equal(result.pass, false);
    assert.deepEqual(result.failures, ['seed join: must use an index, plan has: full index scan (person_123); rows estimate 921849 > 10× expected 1']);
    const text = formatAuditTable(result);
    assert.match(text, /person_123 +index +group_id +921849/);
    assert.match(text, /FAIL:\n {2}seed join: must use an index/);
  });

  test('a statement that cannot be EXPLAINed fails the audit', async () => {
    const fake = {
      async query() {
        throw new Error("Table 'x.nope' doesn't exist");
      },
    } as unknown as PromiseConnection;
    const result = await runExplainAudit(fake, [{ name: 'broken', sql: 'SELECT * FROM nope', params: [], mustUseIndex: false }], { flavour: 'MySQL' });
    assert.equal(result.pass, false);
    assert.match(result.failures[0]!, /broken: could not be EXPLAINed: Table 'x.nope'/);
  });
});

describe('MariaDB ANALYZE FORMAT=JSON', () => {
  // As MariaDB 10.11 printed it for the seed's bad join on 2 groups × 5000 persons.
  const ANALYZED = {
    query_optimization: { r_total_time_ms: 0.05 },
    query_block: {
      select_id: 1,
      r_loops: 1,
      r_total_time_ms: 2.23,
      nested_loop: [
        { table: { table_name: 'group_123', access_type: 'const', possible_keys: ['name'], key: 'name', key_length: '62', used_key_parts: ['name'], ref: ['const'], r_loops: 0, rows: 1, r_rows: null, filtered: 100, r_filtered: null, using_index: true } },
        { table: { table_name: 'person_123', access_type: 'index', key: 'group_id', key_length: '65', used_key_parts: ['group_id', 'name'], r_loops: 1, rows: 9790, r_rows: 10000, filtered: 100, r_filtered: 0.01, attached_condition: "person_123.`name` = 'p10'", using_index: true } },
      ],
    },
  };

  test('actual rows are merged into the tabular plan and judged', () => {
    const tabular = planFromExplainRows([
      { id: 1, select_type: 'SIMPLE', table: 'group_123', type: 'const', possible_keys: 'name', key: 'name', key_len: '62', ref: 'const', rows: 1, Extra: 'Using index' },
      { id: 1, select_type: 'SIMPLE', table: 'person_123', type: 'index', possible_keys: null, key: 'group_id', key_len: '65', ref: null, rows: 9790, Extra: 'Using where; Using index' },
    ]);
    const merged = mergeAnalyze(tabular, planFromJson(ANALYZED));
    assert.deepEqual(merged.map((r) => [r.table, r.rRows, r.rLoops]), [['group_123', null, 0], ['person_123', 10000, 1]]);
    const judged = judgeStatement({ mustUseIndex: true, expectedRows: 1 }, merged);
    assert.equal(judged.rowsExamined, 10001);
    assert.deepEqual(judged.issues, ['full index scan', 'rows estimate', 'rows examined']);
  });

  test('MariaDB filesort / temporary_table nodes', () => {
    const plan = planFromJson({
      query_block: {
        select_id: 1,
        nested_loop: [{ read_sorted_file: { r_rows: 3, filesort: { sort_key: 'person_123.description', table: { table_name: 'person_123', access_type: 'ALL', rows: 9790, r_loops: 1, r_rows: 10000 } } } }],
      },
    });
    assert.deepEqual(plan.map((r) => [r.table, r.type, r.extra, r.rRows]), [['person_123', 'ALL', 'Using filesort', 10000]]);
    const temporary = planFromJson({ query_block: { select_id: 1, filesort: { sort_key: 'x', temporary_table: { table: { table_name: 't', access_type: 'ALL', rows: 5 } } } } });
    assert.equal(temporary[0]!.extra, 'Using filesort; Using temporary');
    const inserted = planFromJson({ query_block: { select_id: 1, table: { table_name: 'person_123' } } });
    assert.deepEqual(judgeRow(inserted[0]!).issues, []);
  });
});

describe('statements', () => {
  test('kind by first keyword', () => {
    assert.equal(statementKind('SELECT 1'), 'read');
    assert.equal(statementKind('  /* audit */ (SELECT id FROM t) UNION (SELECT id FROM u)'), 'read');
    assert.equal(statementKind('WITH x AS (SELECT 1) SELECT * FROM x'), 'read');
    assert.equal(statementKind('WITH x AS (SELECT 1) DELETE FROM t WHERE id IN (SELECT * FROM x)'), 'write');
    assert.equal(statementKind('insert into t values (1)'), 'write');
    assert.equal(statementKind('REPLACE INTO t VALUES (1)'), 'write');
    assert.equal(statementKind('DELETE f FROM `feature_a_1` f JOIN `image_a` i ON i.id = f.image_id WHERE i.member_id = ?'), 'write');
    assert.equal(statementKind('UPDATE t SET a = 1'), 'write');
    assert.equal(statementKind('CALL p()'), 'other');
  });

  test('identifiers named by a statement, literals excluded', () => {
    const names = identifiersOf("DELETE f FROM `feature_a_1` f JOIN image_A i ON i.id = f.image_id WHERE i.name = 'group_a' -- member_a");
    assert.ok(names.has('feature_a_1'));
    assert.ok(names.has('image_a'));
    assert.ok(!names.has('group_a'));
    assert.ok(!names.has('member_a'));
  });
});

// ---------------------------------------------------------------------------------------------
// On the real server: the seed's tables, its bad join and the fixed one.


const SERVER = {
  host: process.env.IB_TEST_HOST ?? '127.0.0.1',
  port: Number(process.env.IB_TEST_PORT ?? 3306),
  user: process.env.IB_TEST_USER ?? 'root',
  password: process.env.IB_TEST_PASSWORD ?? '',
};

const unavailable = await mysqlPromise.createConnection(SERVER).then(
  async (connection) => {
    await connection.end();
    return null;
  },
  (error: unknown) => `no MariaDB/MySQL at ${SERVER.host}:${SERVER.port} (${error instanceof Error ? error.message : String(error)})`,
);

const GROUPS = 2;
const PERSONS_PER_GROUP = 5000;

describe('EXPLAIN audit on the server', { skip: unavailable ?? false }, () => {
  const database = `ib_test_${randomBytes(5).toString('hex')}`;
  let connection: Connection;

  before(async () => {
    const admin = await mysqlPromise.createConnection(SERVER);
    await admin.query(`CREATE DATABASE \`${database}\``);
    await admin.end();
    connection = await mysqlPromise.createConnection({ ...SERVER, database });
    // The seed's tables (002), natural names, a (group_id, name) index on person.
    await connection.query(`CREATE TABLE group_123 (
      id MEDIUMINT UNSIGNED NOT NULL AUTO_INCREMENT,
      name VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (id),
      UNIQUE KEY name (name)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await connection.query(`CREATE TABLE person_123 (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      group_id MEDIUMINT UNSIGNED NOT NULL,
      name VARCHAR(20) NOT NULL,
      description VARCHAR(60) NOT NULL DEFAULT '',
      PRIMARY KEY (id),
      UNIQUE KEY group_id (group_id, name)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await connection.query('INSERT INTO group_123 (name, description) VALUES ?', [
      Array.from({ length: GROUPS }, (_, g) => [`group-${g + 1}`, `the group number ${g + 1}`]),
    ]);
    for (let g = 1; g <= GROUPS; g++) {
      for (let start = 0; start < PERSONS_PER_GROUP; start += 1000) {
        const rows = Array.from({ length: 1000 }, (_, i) => [g, `person-${g}-${start + i}`, 'a member description of about fifty characters']);
        await connection.query('INSERT INTO person_123 (group_id, name, description) VALUES ?', [rows]);
      }
    }
    await connection.query('ANALYZE TABLE group_123, person_123');
    // A non-transactional table: ANALYZE of a write on it must be skipped.
    await connection.query('CREATE TABLE log_123 (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20) NOT NULL) ENGINE=MyISAM');
  });

  after(async () => {
    await connection?.end().catch(() => undefined);
    if (!/^ib_test_[0-9a-f]+$/.test(database)) return;
    const admin = await mysqlPromise.createConnection(SERVER);
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  });

  const statements = (): AuditStatement[] => [
    { name: 'seed join (no join condition)', sql: SEED_BAD_SQL, params: ['person-2-17', 'group-2'], mustUseIndex: true, expectedRows: 1 },
    { name: 'seed join fixed', sql: SEED_FIXED_SQL, params: ['person-2-17', 'group-2'], mustUseIndex: true, expectedRows: 1 },
  ];

  test("the seed's join without a join condition is a full index scan of person and fails; the fixed one is ok", async () => {
    const result = await runExplainAudit(connection as unknown as PromiseConnection, statements());
    const [bad, fixed] = result.statements;
    const person = bad!.plan.find((r) => r.table === 'person_123')!;
    assert.equal(person.type, 'index');
    assert.equal(person.key, 'group_id');
    assert.ok(person.rows! > 0.5 * GROUPS * PERSONS_PER_GROUP, `rows estimate ${person.rows}`);
    assert.ok(bad!.issues.includes('full index scan'));
    assert.ok(bad!.issues.includes('rows estimate'));
    assert.equal(bad!.pass, false);
    assert.deepEqual(fixed!.plan.map((r) => r.type), ['const', 'const']);
    assert.equal(fixed!.verdict, 'ok');
    assert.equal(fixed!.pass, true);
    assert.equal(result.pass, false);
    assert.equal(result.failures.length, 1);
    if (result.flavour === 'MariaDB') {
      // ANALYZE read every entry of the index: the actual rows say what the estimate said.
      assert.equal(bad!.analyze, 'ran');
      assert.equal(person.rRows, GROUPS * PERSONS_PER_GROUP);
      assert.ok(bad!.issues.includes('rows examined'));
      assert.equal(fixed!.rowsExamined, 2);
    }
    const text = formatAuditTable(result);
    assert.match(text, /\* seed join \(no join condition\)/);
    assert.match(text, /person_123 +index +group_id/);
    assert.match(text, /FAIL:\n {2}seed join \(no join condition\): must use an index, plan has: full index scan \(person_123\)/);
  });

  test('the fixed join alone passes; statistics of the tables it names can be refreshed first', async () => {
    const result = await runExplainAudit(connection as unknown as PromiseConnection, statements().slice(1), { refreshStatistics: true });
    assert.equal(result.pass, true);
    assert.deepEqual(result.refreshed, ['group_123', 'person_123']);
    const text = formatAuditTable(result);
    assert.match(text, /statistics refreshed first \(ANALYZE TABLE\): group_123, person_123/);
    assert.match(text, /PASS/);
  });

  test('writes: ANALYZE runs inside a rolled-back transaction on InnoDB, is skipped on MyISAM', async (t) => {
    const result = await runExplainAudit(connection as unknown as PromiseConnection, [
      { name: 'delete a person', sql: 'DELETE FROM person_123 WHERE group_id = ? AND name = ?', params: [1, 'person-1-42'], mustUseIndex: true, expectedRows: 1 },
      { name: 'delete by description', sql: 'DELETE FROM person_123 WHERE description = ?', params: ['x'], mustUseIndex: true },
      { name: 'insert person', sql: 'INSERT INTO person_123 (group_id, name) VALUES (?, ?)', params: [1, 'audit'], mustUseIndex: false },
      { name: 'insert log', sql: 'INSERT INTO log_123 (note) VALUES (?)', params: ['audit'], mustUseIndex: false },
    ]);
    if (result.flavour !== 'MariaDB') return t.skip('ANALYZE FORMAT=JSON is MariaDB only');
    const [byKey, byDescription, insertPerson, insertLog] = result.statements;
    assert.equal(byKey!.analyze, 'ran in a rolled-back transaction');
    assert.ok(['range', 'ref', 'const', 'eq_ref'].includes(byKey!.plan[0]!.type ?? ''), byKey!.plan[0]!.type ?? 'null');
    assert.equal(byKey!.plan[0]!.rRows, 1);
    assert.equal(byKey!.verdict, 'ok');
    assert.equal(byDescription!.plan[0]!.type, 'ALL');
    assert.equal(byDescription!.pass, false);
    assert.equal(insertPerson!.analyze, 'ran in a rolled-back transaction');
    assert.equal(insertPerson!.verdict, 'ok');
    assert.match(insertLog!.analyze, /^skipped: log_123 \(MyISAM\) would not roll back/);
    const [[counts]] = (await connection.query('SELECT (SELECT COUNT(*) FROM person_123) AS persons, (SELECT COUNT(*) FROM log_123) AS logs')) as unknown as [[{ persons: number; logs: number }]];
    assert.deepEqual({ persons: Number(counts.persons), logs: Number(counts.logs) }, { persons: GROUPS * PERSONS_PER_GROUP, logs: 0 });
    assert.match(formatAuditTable(result), /inside START TRANSACTION … ROLLBACK: nothing was kept/);
  });
});
