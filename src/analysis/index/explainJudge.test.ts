import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExplain, judgeRow, scanOf } from './explainJudge.js';
import type { PlanRow } from './explainPlan.js';

const row = (type: string | null, key: string | null, table: string | null = 't', selectType: string | null = 'SIMPLE'): PlanRow => ({
  id: 1,
  selectType,
  table,
  type,
  possibleKeys: null,
  key,
  keyLen: null,
  ref: null,
  rows: 10,
  filtered: null,
  extra: '',
});

test('scanOf: a whole table or a whole index is a scan; write targets and internal tables are not', () => {
  const cases: Array<[PlanRow, ReturnType<typeof scanOf>]> = [
    [row('ALL', null), 'full scan'],
    [row('all', null), 'full scan'],
    [row('hash_ALL', '#hash#$hj'), 'full scan'],
    [row('index', 'idx_a'), 'full index scan'],
    [row('hash_index', 'idx_a'), 'full index scan'],
    [row('range', 'idx_a'), null],
    [row('ref', 'idx_a'), null],
    [row('index_merge', 'a,b'), null],
    [row('const', 'PRIMARY'), null],
    [row('ALL', null, 't', 'INSERT'), null],
    [row('ALL', null, '<derived2>'), null],
    [row('ALL', null, '<subquery2>'), null],
    [row(null, null, null), null],
  ];
  for (const [r, want] of cases) assert.equal(scanOf(r), want, `${r.table} ${r.type} ${r.selectType}`);
});

test('the audit and index-check judge with the same rule', () => {
  for (const type of ['ALL', 'index', 'hash_ALL', 'range', 'ref', 'eq_ref', 'const']) {
    const audit = judgeRow(row(type, type === 'ALL' ? null : 'idx_a')).issues.some((i) => i === 'full scan' || i === 'full index scan');
    assert.equal(checkExplain([row(type, type === 'ALL' ? null : 'idx_a')]).fullScan, audit, type);
  }
});

test('checkExplain: the expected index on a row that is not a scan', () => {
  const cases: Array<{ name: string; rows: PlanRow[]; expect?: string; ok: boolean; reason: RegExp }> = [
    { name: 'full scan', rows: [row('ALL', null)], expect: 'idx_a', ok: false, reason: /full table scan, idx_a not used/ },
    { name: 'range on it', rows: [row('range', 'idx_a')], expect: 'idx_a', ok: true, reason: /uses idx_a/ },
    { name: 'case-insensitive', rows: [row('ref', 'IDX_A')], expect: 'idx_a', ok: true, reason: /uses/ },
    { name: 'another index', rows: [row('ref', 'PRIMARY')], expect: 'idx_a', ok: false, reason: /idx_a not used \(uses PRIMARY\)/ },
    { name: 'index_merge lists several keys', rows: [row('index_merge', 'idx_b,idx_a')], expect: 'idx_a', ok: true, reason: /uses/ },
    // The audit's rule: reading all of the expected index is a scan, not a use of it.
    { name: 'a full scan of the expected index', rows: [row('index', 'idx_a')], expect: 'idx_a', ok: false, reason: /reads all of idx_a \(full index scan\)/ },
    { name: 'a full scan of another index', rows: [row('index', 'PRIMARY')], expect: 'idx_a', ok: false, reason: /full index scan, idx_a not used/ },
    { name: 'no expectation, some index', rows: [row('ref', 'idx_b')], ok: true, reason: /uses idx_b/ },
    { name: 'no expectation, a join with a full scan', rows: [row('ALL', null, 'u'), row('ref', 'idx_b')], ok: false, reason: /full table scan/ },
    { name: 'no expectation, a full index scan', rows: [row('index', 'idx_b')], ok: false, reason: /^full index scan$/ },
    { name: 'no expectation, a derived table is not a scan', rows: [row('ALL', null, '<derived2>'), row('ref', 'idx_b')], ok: true, reason: /uses idx_b/ },
    { name: 'no expectation, no index', rows: [row(null, null)], ok: false, reason: /no index used/ },
  ];
  for (const c of cases) {
    const check = checkExplain(c.rows, c.expect);
    assert.equal(check.ok, c.ok, c.name);
    assert.match(check.reason, c.reason, c.name);
  }
  assert.equal(checkExplain([row('range', 'idx_a')], 'idx_a').access, 't:range(idx_a) rows=10');
});
