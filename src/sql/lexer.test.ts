import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lex, type SqlTokenKind } from './lexer.js';
import { countPlaceholders, identifiersOf, splitStatements, stripComments, tokenize } from './sqlText.js';

/** Each case: the text and its tokens as [kind, value], whitespace left out. */
const CASES: Array<[sql: string, tokens: Array<[SqlTokenKind, string]>]> = [
  ["'it''s'", [['string', "it's"]]],
  ["'a\\'b\\\\'", [['string', "a'b\\"]]],
  ['"say ""hi"""', [['string', 'say "hi"']]],
  ['`a``b`', [['quoted', 'a`b']]],
  ['`a\\`b`', [['quoted', 'a\\'], ['word', 'b'], ['quoted', '']]],
  ["'unclosed ; -- x", [['string', 'unclosed ; -- x']]],
  ['a -- line\nb', [['word', 'a'], ['comment', ' line'], ['word', 'b']]],
  ['a --x', [['word', 'a'], ['punct', '-'], ['punct', '-'], ['word', 'x']]],
  ['a --', [['word', 'a'], ['comment', '']]],
  ['a#b\nc', [['word', 'a'], ['comment', 'b'], ['word', 'c']]],
  ['a /* b\n c */ d', [['word', 'a'], ['comment', ' b\n c '], ['word', 'd']]],
  ['a /* open', [['word', 'a'], ['comment', ' open']]],
  ["'/* not a comment */' \"# nor this\"", [['string', '/* not a comment */'], ['string', '# nor this']]],
  ['t1.c_2 1.5 $x é', [['word', 't1'], ['punct', '.'], ['word', 'c_2'], ['word', '1'], ['punct', '.'], ['word', '5'], ['word', '$x'], ['word', 'é']]],
  ['?;:', [['punct', '?'], ['punct', ';'], ['punct', ':']]],
];

for (const [sql, expected] of CASES) {
  test(`lex: ${JSON.stringify(sql)}`, () => {
    const tokens = lex(sql);
    assert.equal(tokens.map((t) => t.text).join(''), sql, 'the tokens give the text back');
    assert.deepEqual(
      tokens.filter((t) => t.kind !== 'space').map((t) => [t.kind, t.value]),
      expected,
    );
  });
}

test('splitting and the parsers\' tokens follow the same quote and comment rules', () => {
  const text = "INSERT INTO t VALUES ('a;b', \"c\\\";\", `d;`); # x; y\n/* z; */ SELECT ? -- w;\n;";
  assert.deepEqual(
    splitStatements(text).map((s) => [s.sql, s.comments, s.line]),
    [
      ["INSERT INTO t VALUES ('a;b', \"c\\\";\", `d;`)", [], 1],
      ['SELECT ?', ['x; y', 'z;', 'w;'], 2],
    ],
  );
  assert.deepEqual(
    tokenize("f(`a`, 'b') # c").map((t) => [t.kind, t.value, t.start, t.end]),
    [['word', 'f', 0, 1], ['punct', '(', 1, 2], ['quoted', 'a', 2, 5], ['punct', ',', 5, 6], ['string', 'b', 7, 10], ['punct', ')', 10, 11]],
  );
  assert.equal(countPlaceholders("? '?' \"?\" `?` /* ? */ # ?\n -- ?\n?"), 2);
  assert.equal(stripComments("SELECT '#1' /* c */ FROM t -- d"), "SELECT '#1'   FROM t  ");
  assert.deepEqual([...identifiersOf("SELECT `My``Col`, 'lit' FROM T1 /* hidden */")].sort(), ['from', 'my`col', 'select', 't1']);
});
