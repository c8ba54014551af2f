import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundStatement, setGlobalStatement, valueLiteral, variableName } from './statements.js';

test('values keep the type the server gave them: numbers bare, text quoted', () => {
  for (const [value, literal] of [
    [0, '0'],
    [0.5, '0.5'],
    [134217728, '134217728'],
    [9007199254740993n, '9007199254740993'],
    ['TABLE', "'TABLE'"],
    ['FILE,TABLE', "'FILE,TABLE'"],
    // An ENUM's text stays text: log_output = 1 would mean its first member.
    ['1', "'1'"],
    ["it's", "'it\\'s'"],
    [null, 'NULL'],
  ] as const) {
    assert.equal(valueLiteral(value), literal, String(value));
  }
  assert.throws(() => valueLiteral(Number.NaN), /not a value/);
});

test('one SET GLOBAL for several variables', () => {
  assert.equal(setGlobalStatement({ log_output: 'TABLE', slow_query_log: 1, long_query_time: 0 }), "SET GLOBAL log_output = 'TABLE', GLOBAL slow_query_log = 1, GLOBAL long_query_time = 0");
  assert.throws(() => setGlobalStatement({}), /no variable/);
});

test('variable names are checked, never quoted into SQL', () => {
  assert.equal(variableName('Innodb_Buffer_Pool_Size'), 'innodb_buffer_pool_size');
  for (const bad of ['x; DROP TABLE t', 'a-b', '', '1abc', 'a`b']) assert.throws(() => variableName(bad), /not a system variable/, bad);
});

test('bound statements quote each value and expand lists', () => {
  assert.equal(
    boundStatement('UPDATE performance_schema.setup_instruments SET ENABLED = ?, TIMED = ? WHERE NAME IN (?)', ['NO', 'NO', ['stage/sql/init', "stage/sql/it's"]]),
    "UPDATE performance_schema.setup_instruments SET ENABLED = 'NO', TIMED = 'NO' WHERE NAME IN ('stage/sql/init', 'stage/sql/it\\'s')",
  );
});
