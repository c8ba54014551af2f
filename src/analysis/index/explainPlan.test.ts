import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeAnalyze, planFromExplainRows, planFromJson } from './explainPlan.js';

test('tabular EXPLAIN rows are normalised (null and empty values, Extra)', () => {
  const [first] = planFromExplainRows([{ id: 1, select_type: 'SIMPLE', table: 't', type: 'ref', possible_keys: '', key: 'k', key_len: '4', ref: 'const', rows: '12', filtered: null, Extra: 'Using where' }]);
  assert.deepEqual(first, { id: 1, selectType: 'SIMPLE', table: 't', type: 'ref', possibleKeys: null, key: 'k', keyLen: '4', ref: 'const', rows: 12, filtered: null, extra: 'Using where' });
});

test('JSON plans: tables in tree order, sorting notes on the table below them, actual rows kept', () => {
  const plan = planFromJson({
    query_block: {
      select_id: 1,
      ordering_operation: { using_filesort: true, table: { table_name: 'a', access_type: 'ALL', rows_examined_per_scan: 100, attached_condition: 'x' } },
      nested_loop: [{ table: { table_name: 'b', access_type: 'eq_ref', key: 'PRIMARY', rows: 1, r_rows: 1, r_loops: 100 } }],
    },
  });
  assert.deepEqual(plan.map((r) => [r.table, r.type, r.rows, r.extra]), [
    ['a', 'ALL', 100, 'Using where; Using filesort'],
    ['b', 'eq_ref', 1, ''],
  ]);
  assert.equal(plan[1]!.rLoops, 100);
  const merged = mergeAnalyze(planFromExplainRows([{ table: 'a', type: 'ALL', rows: 90 }, { table: 'b', type: 'eq_ref', rows: 1 }]), plan);
  assert.equal(merged[0]!.rRows, undefined);
  assert.equal(merged[1]!.rRows, 1);
  assert.equal(merged[1]!.rLoops, 100);
});
