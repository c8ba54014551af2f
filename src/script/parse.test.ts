import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptError, parseScriptArgument, parseScripts, renderStatement, scriptName, statementsOf, type Script, type Statement } from './parse.js';

const parse = (text: string, path = 'test.sql'): Script => parseScripts([{ path, weight: 1, text }])[0]!;

function errorsOf(text: string, path = 'bad.sql'): string[] {
  try {
    parseScripts([{ path, weight: 1, text }]);
  } catch (error) {
    assert.ok(error instanceof ScriptError);
    return error.errors;
  }
  assert.fail('expected a ScriptError');
}

const tableName = (table: string): string => `\`${table}_demo\``;

test('weights: file@w, default 1, refused when not a whole number from 1', () => {
  assert.deepEqual(parseScriptArgument('replace.sql'), { path: 'replace.sql', weight: 1 });
  assert.deepEqual(parseScriptArgument('dir/other.sql@3'), { path: 'dir/other.sql', weight: 3 });
  assert.ok('error' in parseScriptArgument('x.sql@0'));
  assert.ok('error' in parseScriptArgument('@2'));
  assert.equal(scriptName('a/b/replace.sql'), 'replace');
});

test(':name becomes a bound ? and {table} a table of the library; quotes and comments are left alone', () => {
  const script = parse("\\set m 5\nSELECT ':m {member}' FROM {member} WHERE id = :m AND group_id = :m -- :nope {x}\n;");
  const statement = script.units[0]!.steps[0] as Statement;
  assert.deepEqual(statement.params, ['m', 'm']);
  assert.equal(renderStatement(statement, tableName), "SELECT ':m {member}' FROM `member_demo` WHERE id = ? AND group_id = ?");
  assert.equal(statement.line, 2);
  assert.equal(statement.what, 'read');
});

test('{feature} is model version 1; {feature_2} version 2; := is not a parameter', () => {
  const statement = parse('SELECT @x := 1 FROM {feature} JOIN {feature_2};').units[0]!.steps[0] as Statement;
  assert.equal(renderStatement(statement, tableName), 'SELECT @x := 1 FROM `feature_1_demo` JOIN `feature_2_demo`');
  assert.deepEqual(statement.params, []);
});

test('outside a transaction every statement is an operation, with the \\sets before it', () => {
  const script = parse('\\set a 1\nSELECT :a;\n\\set b :a + 1\n\\set c 2\nSELECT :b, :c;\nSELECT 1;');
  assert.deepEqual(
    script.units.map((u) => [u.line, u.presets.map((p) => p.name), u.transaction === undefined]),
    [
      [2, ['a'], true],
      [5, ['b', 'c'], true],
      [6, [], true],
    ],
  );
});

test('BEGIN … COMMIT is one operation; \\repeat … \\end nests inside it; statementsOf lists what the server runs', () => {
  const text = [
    '\\set member member_id(1)',
    'BEGIN;',
    'DELETE FROM {image} WHERE member_id = :member;',
    '\\repeat :images',
    '  \\set file file_id()',
    '  INSERT INTO {image} (member_id, file_id) VALUES (:member, :file);',
    '\\end',
    'COMMIT;',
    'START TRANSACTION READ ONLY;',
    'SELECT 1;',
    'ROLLBACK;',
  ].join('\n');
  const script = parse(text);
  assert.equal(script.units.length, 2);
  const [replace, read] = script.units;
  assert.equal(replace!.line, 2);
  assert.equal(replace!.transaction!.commits, true);
  assert.deepEqual(replace!.steps.map((s) => s.kind), ['statement', 'repeat']);
  const repeat = replace!.steps[1]!;
  assert.equal(repeat.kind === 'repeat' && repeat.steps.map((s) => s.kind).join(), 'set,statement');
  assert.equal(read!.transaction!.commits, false);
  assert.deepEqual(statementsOf(script).map((s) => s.line), [2, 3, 6, 8, 9, 10, 11]);
  const insert = (repeat.kind === 'repeat' ? repeat.steps[1] : undefined) as Statement;
  assert.equal(insert.insertsOneRowInto, 'image');
  assert.equal((replace!.steps[0] as Statement).insertsOneRowInto, undefined);
});

test('only a one-row INSERT … VALUES counts for the accounting', () => {
  const target = (sql: string): string | undefined => (parse(sql).units[0]!.steps[0] as Statement).insertsOneRowInto;
  assert.equal(target("INSERT INTO {image} (a, b) VALUES (:worker, 'x');"), 'image');
  assert.equal(target('INSERT INTO {image} (a) VALUES (1), (2);'), undefined);
  assert.equal(target('INSERT INTO {image} (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 2;'), undefined);
  assert.equal(target('INSERT IGNORE INTO {image} (a) VALUES (1);'), undefined);
  assert.equal(target('INSERT INTO {image} (a) SELECT 1;'), undefined);
});

test('every \\set form parses and type-checks', () => {
  const forms = [
    '\\set a random(1, 40000)',
    '\\set b random_gaussian(1, 100, 2.5)',
    '\\set c random_exponential(1, 100, 3)',
    '\\set d (:a + 2) * 3 - :b / 4 % 5',
    '\\set e -:d',
    '\\set f abs(least(:a, :b) - greatest(:c, 1))',
    '\\set g member_id()',
    '\\set h member_id(:worker + 1)',
    '\\set i next_member_id(1)',
    '\\set j group_id()',
    '\\set k feature()',
    '\\set l file_id()',
    '\\set m description()',
    "\\set n 'text'",
    '\\set o 1.5 -- a comment',
  ];
  const script = parse(`${forms.join('\n')}\nSELECT :a, :k, :n;`);
  assert.deepEqual(script.units[0]!.presets.map((p) => p.name), 'abcdefghijklmno'.split(''));
});

test('errors name file:line, and every error of every file is collected', () => {
  assert.deepEqual(errorsOf('SELECT :nope;'), ['bad.sql:1: unknown variable :nope (set it with \\set nope … before the statement)']);
  const errors = errorsOf(['\\set a random(1)', '\\set b :a + 1', '\\set c feature() + 1', '\\set worker 3', '\\frob x', 'SELECT ?;', 'SELECT {nope};', '\\set d 1'].join('\n'));
  assert.deepEqual(errors, [
    'bad.sql:1: random() takes 2 argument(s), not 1',
    'bad.sql:2: unknown variable :a (set it with \\set a … before using it)',
    'bad.sql:3: + needs numbers, not bytes',
    'bad.sql:4: \\set worker: :worker is built in and cannot be set',
    'bad.sql:5: unknown command \\frob (known: \\set, \\repeat, \\end, \\check)',
    'bad.sql:6: a ? placeholder: parameters are written :name, bound from a \\set variable',
    "bad.sql:7: unknown table {nope}: the library's tables are {group}, {member}, {image}, {feature} (model version 1) and {feature_N}",
    'bad.sql:8: \\set d after the last statement: nothing uses it',
  ]);
  assert.deepEqual(errorsOf('\\set x random(1,'), ['bad.sql:1: \\set x: expected a number, :variable or function at the end']);
  assert.deepEqual(errorsOf('\\set x 1 2\nSELECT 1;'), ['bad.sql:1: \\set x: unexpected text near "2"']);
  assert.deepEqual(errorsOf("\\set x 'a'\n\\set x 1\nSELECT :x;"), ['bad.sql:2: \\set x: :x was a text and cannot become a number']);
  assert.deepEqual(errorsOf('\\set x nope(1)\nSELECT 1;')[0]?.startsWith('bad.sql:1: unknown function nope()'), true);
});

test('unbalanced transactions and repeats are refused with the line of the culprit', () => {
  assert.deepEqual(errorsOf('SELECT 1;\nBEGIN;\nSELECT 2;'), ['bad.sql:2: BEGIN without COMMIT or ROLLBACK']);
  assert.deepEqual(errorsOf('SELECT 1;\nCOMMIT;'), ['bad.sql:2: COMMIT without BEGIN']);
  assert.deepEqual(errorsOf('BEGIN;\nBEGIN;\nCOMMIT;'), ['bad.sql:2: BEGIN inside the transaction opened at line 1']);
  assert.deepEqual(errorsOf('\\repeat 2\nSELECT 1;\n\\end'), ['bad.sql:1: \\repeat outside BEGIN … COMMIT: outside a transaction each statement is an operation of its own', 'bad.sql:3: \\end without \\repeat']);
  assert.deepEqual(errorsOf('BEGIN;\n\\repeat 2\nSELECT 1;\nCOMMIT;\n\\end'), ['bad.sql:4: COMMIT inside the \\repeat of line 2 (close it with \\end first)', 'bad.sql:1: BEGIN without COMMIT or ROLLBACK']);
  assert.deepEqual(errorsOf('BEGIN;\n\\repeat 2\nSELECT 1;'), ['bad.sql:2: \\repeat without \\end', 'bad.sql:1: BEGIN without COMMIT or ROLLBACK']);
  assert.deepEqual(errorsOf("BEGIN;\n\\repeat 'x'\n\\end\nCOMMIT;"), ['bad.sql:2: \\repeat: the count must be a number, not text']);
  assert.deepEqual(errorsOf('-- nothing\n'), ['bad.sql:1: no statement: a script needs at least one']);
});

test('two scripts with the same name are refused: their operations would be counted together', () => {
  assert.throws(
    () => parseScripts([
      { path: 'a/x.sql', weight: 1, text: 'SELECT 1;' },
      { path: 'b/x.sql', weight: 2, text: 'SELECT 1;' },
    ]),
    /b\/x.sql: named x like a\/x.sql/,
  );
});

test('lines count across multi-line statements and block comments', () => {
  const script = parse('/* header\n   two lines */\nSELECT\n  1;\n\n\\set a 1\n\n-- c\nSELECT\n:a;');
  assert.deepEqual(script.units.map((u) => u.line), [3, 9]);
});

test('\\check name before a SELECT makes an after-run check, with only the built-in variables', () => {
  const script = parse(['SELECT 1;', '\\check every member has :images images', 'SELECT COUNT(*) FROM {member} WHERE id > :images;'].join('\n'));
  assert.equal(script.units.length, 1, 'a check is not an operation');
  assert.deepEqual(script.checks.map((c) => [c.name, c.statement.line, c.statement.params]), [['every member has :images images', 3, ['images']]]);
  assert.deepEqual(errorsOf(['\\set m 1', 'SELECT :m;', '\\check uses m', 'SELECT :m;'].join('\n')), ['bad.sql:4: unknown variable :m (set it with \\set m … before the statement)']);
  assert.deepEqual(errorsOf(['SELECT 1;', '\\check deletes', 'DELETE FROM {image};'].join('\n')), ['bad.sql:3: \\check deletes: expected a SELECT whose first value must be 0']);
  assert.deepEqual(errorsOf(['SELECT 1;', '\\check dangling'].join('\n')), ['bad.sql:2: \\check dangling: no SELECT follows']);
  assert.deepEqual(errorsOf(['BEGIN;', '\\check inside', 'SELECT 1;', 'COMMIT;'].join('\n')), ['bad.sql:2: \\check inside a transaction: checks run after the run, on their own']);
});

test(':last_insert_id is built in, so a child row can take its parent id from the client as the built-ins do', () => {
  const script = parse('BEGIN;\nINSERT INTO {image} (a) VALUES (1);\nINSERT INTO {feature} (image_id) VALUES (:last_insert_id);\nCOMMIT;');
  const insert = script.units[0]!.steps[1] as Statement;
  assert.deepEqual(insert.params, ['last_insert_id']);
});
