/**
 * How the CLI fails: invalid options exit 2 naming every bad option at once, before anything is
 * started; an unreachable server or bad credentials exit 1 with one clear line; never a stack trace.
 */
import { existsSync, readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  SERVER,
  adminQuery,
  connectionArgs,
  createTestDatabase,
  createTestUser,
  describeResult,
  dropTestDatabase,
  featureFileArgs,
  randomSuffix,
  readOnlyRunFolder,
  runCli,
  stackTraceLines,
  tempDir,
  testDatabaseName,
  type CliResult,
} from '../helpers.js';

/** Databases named in these tests: none should be created, but drop them if one were. */
const named: string[] = [];
function database(): string {
  const name = testDatabaseName();
  named.push(name);
  return name;
}

const results = tempDir('ib-test-cli-errors-');

after(async () => {
  for (const name of named) await dropTestDatabase(name);
  results.remove();
});

/** The stderr lines that say something (the CLI may add a hint line after the message). */
function lines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line.trim().length > 0);
}

function assertNoStack(result: CliResult): void {
  assert.deepEqual(stackTraceLines(result.stderr), [], describeResult(result));
  assert.deepEqual(stackTraceLines(result.stdout), [], describeResult(result));
  assert.doesNotMatch(result.stderr, /\b(TypeError|ReferenceError|RangeError|SyntaxError)\b/, describeResult(result));
  assert.doesNotMatch(result.stderr, /node:internal|file:\/\//, describeResult(result));
}

/** Exit 2, every option named, a short message, no stack, nothing on stdout. */
function assertInvalid(result: CliResult, options: string[]): void {
  assert.equal(result.code, 2, describeResult(result));
  assertNoStack(result);
  for (const option of options) assert.ok(result.stderr.includes(option), `${option} is not named:\n${result.stderr}`);
  assert.ok(lines(result).length <= options.length + 3, `too many lines:\n${result.stderr}`);
  assert.equal(result.stdout, '');
}

/** Exit 1, one line saying what is wrong (plus at most a hint), no stack. */
function assertFailedCleanly(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 1, describeResult(result));
  assertNoStack(result);
  const said = lines(result);
  assert.ok(said.length >= 1 && said.length <= 2, `expected one line:\n${result.stderr}`);
  assert.match(said[0]!, pattern);
  assert.match(said[0]!, /^innobench: /);
}

async function databaseExists(name: string): Promise<boolean> {
  const rows = await adminQuery<unknown[]>('SHOW DATABASES LIKE ?', [name]);
  return rows.length > 0;
}

describe('invalid options: exit 2, all named at once', () => {
  test('run: --workers -3 --duration abc --flag "x;drop"', async () => {
    const db = database();
    const result = await runCli(['run', 'insert-features', ...connectionArgs(db), '--workers', '-3', '--duration', 'abc', '--flag', 'x;drop', '--results', results.path]);
    assertInvalid(result, ['--workers', '--duration', '--flag']);
    assert.ok(result.stderr.includes('"x;drop"'), 'the bad value is shown quoted');
    assert.equal(await databaseExists(db), false, 'nothing was started');
  });

  test('run: every load option at once', async () => {
    const result = await runCli([
      'run',
      'insert-features',
      ...connectionArgs(database()),
      '--workers',
      '0',
      '--threads',
      '1.5',
      '--duration',
      '5x',
      '--interval',
      '0',
      '--retries',
      '-1',
      '--retry-backoff',
      'soon',
      '--seed',
      'abc',
      '--feature-bytes',
      '0',
      '--results',
      results.path,
    ]);
    assertInvalid(result, ['--workers', '--threads', '--duration', '--interval', '--retries', '--retry-backoff', '--seed', '--feature-bytes']);
  });

  test('prepare: --groups 0 --members abc --flag with a backtick and a too-long --database', async () => {
    const result = await runCli(['prepare', 'insert-features', ...connectionArgs('d'.repeat(65)), '--groups', '0', '--members', 'abc', '--flag', 'a`b']);
    assertInvalid(result, ['--groups', '--members', '--flag', '--database']);
  });

  test('a hostile --database is refused before any SQL is sent', async () => {
    const result = await runCli(['prepare', 'insert-features', ...connectionArgs('x`; DROP DATABASE mysql; --')]);
    assertInvalid(result, ['--database']);
  });

  test('--port out of range', async () => {
    const result = await runCli(['run', 'insert-features', ...connectionArgs(database()).map((arg) => (arg === String(SERVER.port) ? '70000' : arg))]);
    assertInvalid(result, ['--port']);
  });

  test('a scenario option out of range (--batch 0)', async () => {
    const result = await runCli(['run', 'insert-features', ...connectionArgs(database()), '--batch', '0', '--results', results.path]);
    assertInvalid(result, ['--batch']);
  });

  test('an option given without its value (--workers at the end) is refused, not replaced by its default', async () => {
    const result = await runCli(['run', 'insert-features', ...connectionArgs(database()), '--results', results.path, ...featureFileArgs(), '--workers']);
    assertInvalid(result, ['workers']);
  });

  test('an unknown scenario or option', async () => {
    const unknownScenario = await runCli(['run', 'no-such-scenario', ...connectionArgs(database())]);
    assert.equal(unknownScenario.code, 2, describeResult(unknownScenario));
    assertNoStack(unknownScenario);
    assert.match(unknownScenario.stderr, /no-such-scenario/);

    const unknownOption = await runCli(['run', 'insert-features', ...connectionArgs(database()), '--wokers', '3']);
    assert.equal(unknownOption.code, 2, describeResult(unknownOption));
    assertNoStack(unknownOption);
    assert.match(unknownOption.stderr, /wokers/);

    const noCommand = await runCli([]);
    assert.equal(noCommand.code, 2, describeResult(noCommand));
    assertNoStack(noCommand);
  });
});

describe('matrix and experiment: one check of every option, before anything connects', () => {
  test('matrix: bad matrix options and bad run options after -- at once, each named with its value', async () => {
    const result = await runCli(['matrix', '--set', 'innodb_io_capacity=100,100', '--repeat', '0', '--order', 'blocks', '--settle', 'soon', ...connectionArgs(database()), '--', 'run', 'insert-features', '--workers', 'many', '--results', 'x']);
    assertInvalid(result, ['--set innodb_io_capacity', '--repeat', '--settle', 'soon', 'run options: --workers "many"', '--results after --']);
  });

  test('matrix: a run option `run` does not know is refused by run\'s own parser', async () => {
    const result = await runCli(['matrix', '--aa', ...connectionArgs(database()), '--', 'run', 'insert-features', '--bogus-option', '1']);
    assertInvalid(result, ['run options: Unknown argument', 'bogus-option']);
  });

  test('experiment: the designed matrix is checked the same way', async () => {
    const result = await runCli(['experiment', 'trx-commit', '--blocks', '0', '--budget', '1m', ...connectionArgs(database()), '--', 'run', 'insert-features', '--workers', 'many']);
    assertInvalid(result, ['--repeat', '--budget bounds --target-effect', 'run options: --workers "many"']);
  });
});

describe('server problems: exit 1, one clear line', () => {
  test('nothing listens on the port (--port 1)', async () => {
    const db = database();
    const args = connectionArgs(db).map((arg) => (arg === String(SERVER.port) ? '1' : arg));
    const result = await runCli(['run', 'insert-features', ...args, '--duration', '1s', '--results', results.path, ...featureFileArgs()]);
    assertFailedCleanly(result, /cannot connect to .*127\.0\.0\.1:1\b.*connection refused/);
  });

  test('nothing listens on 127.0.0.1:3999 (prepare)', async () => {
    const db = database();
    const args = connectionArgs(db).map((arg) => (arg === String(SERVER.port) ? '3999' : arg));
    const result = await runCli(['prepare', 'insert-features', ...args]);
    assertFailedCleanly(result, /cannot connect to .*127\.0\.0\.1:3999.*connection refused/);
  });

  test('a host that does not resolve', async () => {
    const args = connectionArgs(database()).map((arg) => (arg === SERVER.host ? `no-such-host-${randomSuffix()}.invalid` : arg));
    const result = await runCli(['prepare', 'insert-features', ...args], { timeoutMs: 30_000 });
    assertFailedCleanly(result, /cannot connect to .*(host not found|timed out)/);
  });

  test('a wrong password: access denied, the password not shown', async () => {
    const db = database();
    const password = `Wr0ng-${randomSuffix(8)}`;
    for (const command of ['prepare', 'run']) {
      const result = await runCli([command, 'insert-features', ...connectionArgs(db, SERVER.user, password), ...(command === 'run' ? ['--results', results.path, ...featureFileArgs()] : [])]);
      assertFailedCleanly(result, /access denied/i);
      assert.ok(!result.stderr.includes(password) && !result.stdout.includes(password), describeResult(result));
      assert.ok(!result.stderr.includes(password.slice(6)), 'not even part of it');
    }
    assert.equal(await databaseExists(db), false);
  });

  test('a database that does not exist (run does not create it)', async () => {
    const db = database();
    const result = await runCli(['run', 'insert-features', ...connectionArgs(db), '--duration', '1s', '--results', results.path, ...featureFileArgs()]);
    assertFailedCleanly(result, new RegExp(db));
    assert.equal(await databaseExists(db), false);
  });
});

describe('a load thread that cannot start', () => {
  test('one thread failing to connect its workers ends the run (exit 1), it does not hang', { timeout: 90_000 }, async () => {
    // A user allowed 4 connections: the control and sampler connections take 2, so of the 3
    // workers (2 on thread 0, 1 on thread 1) exactly one cannot connect. One thread fails while the
    // other is ready and waiting for the start: the run must end, reporting the failure.
    const db = await createTestDatabase();
    const user = await createTestUser(db.name, { maxUserConnections: 4 });
    try {
      const prepared = await runCli(['prepare', 'insert-features', ...connectionArgs(db.name), '--flag', 'lim', '--groups', '1', '--members', '2', '--images', '5']);
      assert.equal(prepared.code, 0, describeResult(prepared));
      const resultsRoot = join(results.path, 'limited');
      let result: CliResult;
      try {
        result = await runCli(
          [
            'run',
            'insert-features',
            ...connectionArgs(db.name, user.user, user.password),
            '--flag',
            'lim',
            '--workers',
            '3',
            '--threads',
            '2',
            '--duration',
            '3s',
            ...featureFileArgs(),
            '--results',
            resultsRoot,
          ],
          // A failing run takes a few seconds (CLI start, connections); a hang is cut off here.
          { timeoutMs: 15_000 },
        );
      } catch (error) {
        const folder = readOnlyRunFolder(resultsRoot);
        assert.fail(`the run hung (run.json state: ${folder.run.state}): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      assertNoStack(result);
      assert.equal(result.code, 1, describeResult(result));
      assert.match(result.stderr, /connections/, describeResult(result));
      assert.ok(!result.stderr.includes(user.password));
      // The pre-run doctor now sees the account's max_user_connections and refuses before any
      // thread starts (no run folder); without it, the failing thread ends the run as 'failed'.
      if (/max_user_connections/.test(result.stderr)) {
        assert.equal(existsSync(resultsRoot) ? readdirSync(resultsRoot).length : 0, 0, 'nothing was run');
      } else {
        const folder = readOnlyRunFolder(resultsRoot);
        assert.equal(folder.run.state, 'failed');
        assert.match(folder.run.error ?? '', /connections/);
      }
    } finally {
      await user.drop();
      await db.drop();
    }
  });
});
