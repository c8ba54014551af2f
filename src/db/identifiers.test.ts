import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_FLAG_LENGTH, MAX_IDENTIFIER_LENGTH, databaseNameError, flagError, quoteIdent } from './identifiers.js';
import { libraryTables } from '../schema/tables.js';

/** Every table name derived from a flag, whatever tables the library has. */
function derivedNames(flag: string, versions: number[]): string[] {
  const tables = libraryTables(flag, versions) as unknown as Record<string, unknown>;
  const names: string[] = [];
  for (const [key, value] of Object.entries(tables)) {
    if (key === 'flag') continue;
    if (typeof value === 'string') names.push(value);
    else if (value instanceof Map) for (const name of value.values()) names.push(String(name));
  }
  return names;
}

test('good flags are accepted', () => {
  for (const flag of ['demo', 'a', 'Z', '0', '123', 'client_42', 'A_b_C_9', '_', 'x'.repeat(MAX_FLAG_LENGTH)]) {
    assert.equal(flagError(flag), null, `flag ${JSON.stringify(flag)}`);
  }
});

test('hostile and unusable flags are refused with a message', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ["x'y", /letters, digits and _/],
    ['x"y', /letters, digits and _/],
    ['x`y', /letters, digits and _/],
    ['`; DROP TABLE x; --', /letters, digits and _/],
    ['; DROP TABLE x', /letters, digits and _/],
    ['x;drop', /letters, digits and _/],
    ['a b', /letters, digits and _/],
    ['a-b', /letters, digits and _/],
    ['a.b', /letters, digits and _/],
    ['a/b', /letters, digits and _/],
    ['a\\b', /letters, digits and _/],
    ['abc\n', /letters, digits and _/],
    ['\nabc', /letters, digits and _/],
    ['abc\0', /letters, digits and _/],
    ['café', /letters, digits and _/],
    ['ｄｅｍｏ', /letters, digits and _/], // fullwidth letters
    ['demo\u200b', /letters, digits and _/], // zero-width space
    ['demo\u202e', /letters, digits and _/], // right-to-left override
    ['😀', /letters, digits and _/],
    ['x'.repeat(MAX_FLAG_LENGTH + 1), /characters; at most/],
    ['x'.repeat(10_240), /characters; at most/],
    [`${'x'.repeat(10_000)}'; DROP TABLE x; --`, /characters; at most/],
  ];
  for (const [flag, why] of cases) {
    const message = flagError(flag);
    assert.ok(message !== null, `flag ${JSON.stringify(flag.slice(0, 50))} was accepted`);
    assert.match(message, why, `flag ${JSON.stringify(flag.slice(0, 50))}: ${message}`);
    assert.ok(message.length < 200, `message for a ${flag.length}-character flag is ${message.length} characters`);
  }
});

test('the longest accepted flag keeps every derived table name within 64 characters; one more is refused', () => {
  const longest = 'f'.repeat(MAX_FLAG_LENGTH);
  assert.equal(flagError(longest), null);
  const names = derivedNames(longest, [1, 65535]);
  assert.ok(names.length >= 4, `names: ${names.join(', ')}`);
  for (const name of names) assert.ok(name.length <= MAX_IDENTIFIER_LENGTH, `${name} is ${name.length} characters`);
  assert.notEqual(flagError('f'.repeat(MAX_FLAG_LENGTH + 1)), null);
});

test('the flag limit is not needlessly strict: some derived name of the longest flag is close to 64', () => {
  // Guards against MAX_FLAG_LENGTH being computed from a prefix no table uses.
  const names = derivedNames('f'.repeat(MAX_FLAG_LENGTH), [65535]);
  const longestName = Math.max(...names.map((name) => name.length));
  assert.ok(longestName >= MAX_IDENTIFIER_LENGTH - 6, `longest derived name is only ${longestName} characters`);
});

test('database names: letters, digits and _, 1 to 64 characters', () => {
  assert.equal(databaseNameError('innobench'), null);
  assert.equal(databaseNameError('ib_test_123'), null);
  assert.equal(databaseNameError('d'.repeat(64)), null);
  assert.match(databaseNameError('') ?? '', /1–64 characters/);
  assert.match(databaseNameError('d'.repeat(65)) ?? '', /1–64 characters/);
  for (const bad of ['a-b', 'a`b', "a'b", 'x; DROP DATABASE y', 'a b', 'é', 'mysql.user']) {
    assert.match(databaseNameError(bad) ?? '', /letters, digits and _/, `database ${bad}`);
  }
});

test('quoteIdent wraps in backticks and doubles backticks inside', () => {
  assert.equal(quoteIdent('demo'), '`demo`');
  assert.equal(quoteIdent('a`b'), '`a``b`');
  assert.equal(quoteIdent('``'), '``````');
  assert.equal(quoteIdent('`; DROP TABLE x; --'), '```; DROP TABLE x; --`');
  assert.equal(quoteIdent(''), '``');
  // Whatever the input, the result is one quoted identifier: strip the outer pair, and every
  // backtick left comes in pairs.
  for (const name of ['x', 'a`b`c', '```', "it's", 'a"b', 'x`;drop']) {
    const quoted = quoteIdent(name);
    assert.ok(quoted.startsWith('`') && quoted.endsWith('`'));
    const inner = quoted.slice(1, -1);
    assert.equal(inner.replace(/``/g, ''), name.replace(/`/g, ''));
    assert.equal(inner.replace(/``/g, '`'), name);
  }
});
