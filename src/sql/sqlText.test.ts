import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countPlaceholders, splitStatements } from './sqlText.js';

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

test('countPlaceholders skips quotes and comments', () => {
  assert.equal(countPlaceholders("INSERT INTO t (a, b, note) VALUES (?, ?, 'what?') -- why?"), 2);
  assert.equal(countPlaceholders('SELECT `a?` FROM t WHERE b = ? /* ? */'), 1);
  assert.equal(countPlaceholders('SELECT 1'), 0);
});
