/**
 * Your own workload on a real MariaDB: SQL scripts (`run --script`) whose rows balance with the
 * server's Com_insert, whose transactions are retried whole after a forced deadlock, whose
 * parameters are bound (never pasted into the SQL), and that are refused with file:line before any
 * load; and a scenario module of the user's, run on two threads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunFile } from '../../src/results/types.js';
import { ROOT, adminQuery, connectionArgs, createTestDatabase, describeResult, featureFileArgs, readOnlyRunFolder, runCli, tempDir, type CliResult, type TestDatabase } from '../helpers.js';

let db: TestDatabase;
const files = tempDir('ib-script-');

function script(name: string, text: string): string {
  const path = join(files.path, name);
  writeFileSync(path, text);
  return path;
}

async function run(args: string[]): Promise<{ result: CliResult; run?: RunFile }> {
  const results = tempDir('ib-script-results-');
  try {
    const result = await runCli(['run', ...args, '--results', results.path, '--interval', '1s', ...featureFileArgs(), ...connectionArgs(db.name)], { timeoutMs: 90_000 });
    return { result, ...(result.code === 0 ? { run: readOnlyRunFolder(results.path).run } : {}) };
  } finally {
    results.remove();
  }
}

before(async () => {
  db = await createTestDatabase();
  const prepared = await runCli(['prepare', 'replace-member-images', '--groups', '2', '--members', '10', '--images', '3', ...featureFileArgs(), ...connectionArgs(db.name)]);
  assert.equal(prepared.code, 0, describeResult(prepared));
});

after(async () => {
  await db.drop();
  files.remove();
});

describe('run --script', () => {
  test('a script of one-row INSERTs: the rows counted = Com_insert delta = rows the table gained; per-statement parts', async () => {
    const path = script('add.sql', ['-- one image for a random member', '\\set member member_id()', '\\set file file_id()', "INSERT INTO {image} (member_id, file_id, description) VALUES (:member, :file, 'script');"].join('\n'));
    // Com_insert is server-wide: another client inserting at the same time spoils one attempt, not two.
    let outcome = await run(['--script', path, '--workers', '4', '--duration', '2s']);
    if (outcome.run?.summary?.accounting?.ok === false) outcome = await run(['--script', path, '--workers', '4', '--duration', '2s']);
    const { result, run: file } = outcome;
    assert.equal(result.code, 0, describeResult(result));
    const summary = file!.summary!;
    const accounting = summary.accounting!;
    assert.ok(summary.byOp.add!.ops > 0);
    assert.equal(accounting.harnessRows, summary.byOp.add!.rows);
    assert.equal(accounting.tableRowsDelta, accounting.harnessRows, accounting.note);
    assert.equal(accounting.ok, true, accounting.note);
    assert.equal(summary.byOp.add!.commits, summary.byOp.add!.ops, 'an autocommit INSERT is a commit');
    assert.equal(summary.byOp['part:add:4']!.ops, summary.byOp.add!.ops, 'the statement of line 4 is its own part');
    assert.match(result.stderr, /accounting: ok/);
  });

  test('a deadlock forced inside a script transaction is rolled back, retried as a whole, and counted on the script and on the statement', async () => {
    await adminQuery('CREATE TABLE crossed (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB', [], db.name);
    await adminQuery('INSERT INTO crossed VALUES (1, 0), (2, 0)', [], db.name);
    // Worker 0 locks row 1 then row 2, worker 1 row 2 then row 1, with a pause between: InnoDB must pick a victim.
    const path = script('crossed.sql', [
      '\\set first 1 + :worker % 2',
      '\\set second 2 - :worker % 2',
      'BEGIN;',
      'UPDATE crossed SET v = v + 1 WHERE id = :first;',
      'SELECT SLEEP(0.2);',
      'UPDATE crossed SET v = v + 1 WHERE id = :second;',
      'COMMIT;',
    ].join('\n'));
    const { result, run: file } = await run(['--script', path, '--workers', '2', '--duration', '2s', '--retry-backoff', '1ms']);
    assert.equal(result.code, 0, describeResult(result));
    const crossed = file!.summary!.byOp.crossed!;
    assert.ok(crossed.deadlocks >= 1, `deadlocks: ${crossed.deadlocks}`);
    // Every deadlock is retried unless retries ran out, or the run ended while it waited to retry (one per worker at most).
    const unretried = crossed.deadlocks - crossed.retries - crossed.exhausted;
    assert.ok(unretried >= 0 && unretried <= 2, `deadlocks ${crossed.deadlocks}, retries ${crossed.retries}, exhausted ${crossed.exhausted}`);
    assert.equal(crossed.errors, 0);
    assert.equal(crossed.commits, crossed.ops);
    assert.equal(crossed.attempts, crossed.ops + crossed.deadlocks, 'each attempt either committed or was a deadlock victim');
    // The victim is whichever waited on the other: its second UPDATE (line 6) is where the deadlock struck.
    assert.equal(file!.summary!.byOp['part:crossed:6']!.deadlocks, crossed.deadlocks);
    // Retried whole: each committed transaction added exactly 2, the rolled-back attempts nothing.
    const [sum] = await adminQuery<Array<{ total: string }>>('SELECT SUM(v) AS total FROM crossed', [], db.name);
    assert.equal(Number(sum!.total), 2 * crossed.commits);
  });

  test("a :name holding '); DROP TABLE x; -- is bound as data, never pasted into the SQL", async () => {
    await adminQuery('CREATE TABLE victim (id INT PRIMARY KEY)', [], db.name);
    await adminQuery('CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(100) NOT NULL)', [], db.name);
    const path = script('notes.sql', ["\\set evil '''); DROP TABLE victim; --'", 'INSERT INTO notes (body) VALUES (:evil);'].join('\n'));
    const { result, run: file } = await run(['--script', path, '--workers', '1', '--duration', '1s']);
    assert.equal(result.code, 0, describeResult(result));
    const tables = await adminQuery<unknown[]>("SHOW TABLES LIKE 'victim'", [], db.name);
    assert.equal(tables.length, 1, 'the table is still there');
    const bodies = await adminQuery<Array<{ body: string; n: number }>>('SELECT body, COUNT(*) AS n FROM notes GROUP BY body', [], db.name);
    assert.deepEqual(bodies.map((row) => row.body), ["'); DROP TABLE victim; --"]);
    assert.equal(Number(bodies[0]!.n), file!.summary!.byOp.notes!.ops);
  });

  test('a broken script is refused before any load, exit 2, every error with file:line; so is a statement the server cannot prepare', async () => {
    const broken = script('broken.sql', ['\\set a random(1)', 'BEGIN;', 'SELECT :b;'].join('\n'));
    const refused = await run(['--script', broken, '--workers', '1', '--duration', '1s']);
    assert.equal(refused.result.code, 2, describeResult(refused.result));
    assert.match(refused.result.stderr, /broken\.sql:1: random\(\) takes 2 argument\(s\), not 1/);
    assert.match(refused.result.stderr, /broken\.sql:3: unknown variable :b/);
    assert.match(refused.result.stderr, /broken\.sql:2: BEGIN without COMMIT or ROLLBACK/);

    const unpreparable = script('unknown-column.sql', ['\\set m member_id()', 'SELECT 1;', 'SELECT no_such_column FROM {member} WHERE id = :m;'].join('\n'));
    const server = await run(['--script', unpreparable, '--workers', '2', '--duration', '1s']);
    assert.equal(server.result.code, 2, describeResult(server.result));
    assert.match(server.result.stderr, /unknown-column\.sql:3: the server cannot prepare this statement: Unknown column 'no_such_column'/);
    assert.doesNotMatch(server.result.stderr, /ops\/s/, 'no interval was measured');
  });
});

describe('the storm script of examples/', () => {
  test('runs with deadlock capture and passes its \\check verification; a failing \\check fails the run', async () => {
    const { result, run: file } = await run(['--script', join(ROOT, 'examples', 'replace-member-images.sql'), '--workers', '6', '--duration', '2s', '--capture-deadlocks']);
    assert.equal(result.code, 0, describeResult(result));
    const summary = file!.summary!;
    assert.ok(summary.byOp['replace-member-images']!.commits > 0);
    assert.deepEqual(summary.verification!.checks.map((c) => [c.name, c.ok]), [
      ['every member of group 1 has exactly :images images', true],
      ['every image of group 1 has its feature', true],
      ['no orphan features', true],
    ]);
    assert.equal(summary.deadlockCapture!.serverCounter === null || summary.deadlockCapture!.captured <= summary.deadlockCapture!.serverCounter, true);

    const failing = script('failing.sql', ['SELECT 1;', '\\check one is zero', 'SELECT 1;'].join('\n'));
    const refused = await run(['--script', failing, '--workers', '1', '--duration', '1s']);
    assert.equal(refused.result.code, 1, describeResult(refused.result));
    assert.match(refused.result.stderr, /verification failed: one is zero \(failing:3 returned 1 \(0 expected\)\)/);
  });
});

describe('explain --script', () => {
  test("audits a script's statements with drawn values, naming each by script:line; a read without an index fails it", async () => {
    const path = script('lookups.sql', ['\\set m member_id()', 'SELECT id FROM {image} WHERE member_id = :m;', '\\set d description()', 'SELECT id FROM {image} WHERE description = :d;'].join('\n'));
    const result = await runCli(['explain', '--script', path, '--no-analyze', ...connectionArgs(db.name)]);
    assert.equal(result.code, 1, describeResult(result));
    assert.match(result.stdout, /\* lookups:2 +image_demo +ref +member_file/);
    assert.match(result.stdout, /\* lookups:4 +image_demo +ALL/);
  });
});

describe('a scenario module of your own', () => {
  test('examples/add-images.mjs, written against the public API, runs on two load threads, the table gaining the rows it counted', async () => {
    const { result, run: file } = await run([join(ROOT, 'examples', 'add-images.mjs'), '--workers', '4', '--threads', '2', '--duration', '2s', '--members-used', '5']);
    assert.equal(result.code, 0, describeResult(result));
    assert.equal(file!.scenario, 'add-images');
    assert.equal(file!.config.threads, 2);
    assert.equal(file!.config['members-used'], 5);
    const inserts = file!.summary!.byOp['insert-image']!;
    assert.ok(inserts.ops > 0);
    assert.equal(inserts.errors, 0);
    // The rows the table gained (Com_insert is server-wide, and the script test checks it).
    assert.equal(file!.summary!.accounting!.tableRowsDelta, inserts.rows);
  });

  test('a module that defines no scenario is refused with exit 2', async () => {
    const path = script('empty.mjs', 'export const nothing = 1;\n');
    const { result } = await run([path, '--workers', '1', '--duration', '1s']);
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /empty\.mjs: .*defines no scenario/);
  });
});
