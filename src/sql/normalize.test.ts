import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeStatement } from './normalize.js';

const STATEMENTS: { sql: string; normalized: string }[] = [
  { sql: "UPDATE Animals SET value=30 WHERE name='Aardvark'", normalized: 'UPDATE Animals SET value=? WHERE name=?' },
  {
    sql: "INSERT INTO tx_events (k, v) VALUES ('7cd4', x'4E50'),(2, 0xFF)",
    normalized: 'INSERT INTO tx_events (k, v) VALUES (?+)',
  },
  { sql: 'SELECT * FROM t1 WHERE id IN (1, 2, 3) AND c > -1.5e3', normalized: 'SELECT * FROM t1 WHERE id IN (?+) AND c > -?' },
  {
    sql: "select `col1` from idx_2 where s = 'it''s \\'q\\'' and d = \"x\" and b = b'101'",
    normalized: 'select `col1` from idx_2 where s = ? and d = ? and b = ?',
  },
  {
    sql: '/* ApplicationName=DBeaver 25.1.3 */ select * from customer where address_id = 8 for update',
    normalized: 'select * from customer where address_id = ? for update',
  },
  { sql: 'UPDATE t\nSET a = 4,\n  b = now()\nWHERE id = 9', normalized: 'UPDATE t SET a = ?, b = now() WHERE id = ?' },
  { sql: "INSERT INTO t (a) VALUES ('cut off by InnoDB", normalized: 'INSERT INTO t (a) VALUES (?' },
];

for (const { sql, normalized } of STATEMENTS) {
  test(`normalizeStatement: ${sql.replace(/\s+/g, ' ').slice(0, 50)}`, () => {
    assert.equal(normalizeStatement(sql), normalized);
  });
}

/** Where the lexer's rules meet the literal rules: quotes, backticks, comments, escapes. */
const EDGES: Array<[sql: string, normalized: string]> = [
  ['SELECT `t``1` FROM `2x` WHERE a = 1', 'SELECT `t``1` FROM `2x` WHERE a = ?'],
  ["SELECT 'a\\'b', \"c\"\"d\" FROM t", 'SELECT ?, ? FROM t'],
  ['SELECT 1 /* 2 */ + 3', 'SELECT ? + ?'],
  ['SELECT 1 /* cut off', 'SELECT ?'],
  ['SELECT 1 -- note 5', 'SELECT ? -- note ?'],
  ['SELECT 1 # note 5', 'SELECT ? # note ?'],
  ["SELECT X'0g', x'0A', ax'00', b'12'", 'SELECT X?, ?, ax?, b?'],
  ['SELECT .5, 1e+3, 0xFFg, t1.c2', 'SELECT ?, ?, ?g, t1.c2'],
  ['SELECT `cut off 12', 'SELECT `cut off ?'],
  ['INSERT INTO t VALUES (1, 2), (3, 4)', 'INSERT INTO t VALUES (?+)'],
];

for (const [sql, normalized] of EDGES) {
  test(`normalizeStatement edge: ${sql}`, () => {
    assert.equal(normalizeStatement(sql), normalized);
  });
}
