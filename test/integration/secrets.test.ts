/**
 * A password must never reach output, result files or argv: prepare and run as a user with a
 * distinctive password (given through MYSQL_PWD, --password and an option file), then look for it
 * everywhere the harness writes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import {
  SERVER,
  connectionArgs,
  createTestDatabase,
  createTestUser,
  describeResult,
  listFilesRecursive,
  readOnlyRunFolder,
  runCli,
  smallFeatureFile,
  stackTraceLines,
  tempDir,
  type CliResult,
  type TestDatabase,
  type TestUser,
} from '../helpers.js';

let db: TestDatabase;
let user: TestUser;
let dir: ReturnType<typeof tempDir>;

/** The password, and its random part alone (in case only part of it were echoed). */
function needles(): string[] {
  return [user.password, user.password.replace(/^S3cret-/, '')];
}

function assertAbsent(text: string, where: string): void {
  for (const needle of needles()) assert.ok(!text.includes(needle), `the password appears in ${where}`);
}

function assertOutputClean(result: CliResult, what: string): void {
  assertAbsent(result.stdout, `${what}: stdout`);
  assertAbsent(result.stderr, `${what}: stderr`);
}

function assertFolderClean(root: string): number {
  const files = listFilesRecursive(root);
  for (const file of files) assertAbsent(readFileSync(join(root, file), 'latin1'), file);
  return files.length;
}

/** Where this user connects with no password given on the command line. */
function userArgs(database = db.name): string[] {
  return ['--host', SERVER.host, '--port', String(SERVER.port), '--user', user.user, '--database', database];
}

const RUN_ARGS = ['--flag', 'sec', '--workers', '4', '--threads', '2', '--duration', '5s', '--interval', '1s', '--json'];

describe('the password never leaks', () => {
  before(async () => {
    db = await createTestDatabase();
    user = await createTestUser(db.name);
    dir = tempDir('ib-test-secrets-');
  });

  after(async () => {
    await user?.drop();
    await db?.drop();
    dir?.remove();
  });

  test('prepare with MYSQL_PWD', async () => {
    const result = await runCli(['prepare', 'insert-features', ...userArgs(), '--flag', 'sec', '--groups', '2', '--members', '5', '--images', '10'], {
      env: { MYSQL_PWD: user.password },
    });
    assert.equal(result.code, 0, describeResult(result));
    assertOutputClean(result, 'prepare');
  });

  test('run with --password: not in stdout, stderr, any result file, or the process arguments', async () => {
    const resultsRoot = join(dir.path, 'run-flag');
    let cmdline: string | null = null;
    const watch = (child: ChildProcess): void => {
      // Once the CLI has written its first line it has set its process title: from then on `ps`
      // (/proc/<pid>/cmdline) must not show the password given in argv.
      child.stderr?.once('data', () => {
        try {
          cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'latin1');
        } catch {
          cmdline = null; // not Linux, or already gone
        }
      });
    };
    const result = await runCli(['run', 'insert-features', ...userArgs(), `--password=${user.password}`, ...RUN_ARGS, '--feature-file', smallFeatureFile(), '--results', resultsRoot], {
      watch,
    });
    assert.equal(result.code, 0, describeResult(result));
    assertOutputClean(result, 'run');
    const folder = readOnlyRunFolder(resultsRoot);
    assert.equal(folder.run.state, 'completed');
    assert.ok(folder.run.summary!.ops > 0);
    assert.ok(assertFolderClean(resultsRoot) >= 4);
    // The configuration is recorded, without the password key at all (not even masked).
    const connection = (folder.run.config as { connection?: Record<string, unknown> }).connection;
    assert.equal(connection?.user, user.user);
    assert.ok(connection && !('password' in connection), JSON.stringify(connection));
    if (process.platform === 'linux') {
      assert.ok(cmdline !== null, '/proc/<pid>/cmdline was read');
      assert.ok(!String(cmdline).includes('--password'), `argv is still visible: ${String(cmdline)}`);
      assertAbsent(String(cmdline), '/proc/<pid>/cmdline');
    }
  });

  test('run with MYSQL_PWD, and with an option file', async () => {
    const envRoot = join(dir.path, 'run-env');
    // --fresh: the run before inserted every feature, and a run with nothing to do fails.
    const viaEnv = await runCli(['run', 'insert-features', ...userArgs(), ...RUN_ARGS, '--fresh', '--feature-file', smallFeatureFile(), '--results', envRoot], {
      env: { MYSQL_PWD: user.password },
    });
    assert.equal(viaEnv.code, 0, describeResult(viaEnv));
    assertOutputClean(viaEnv, 'run (MYSQL_PWD)');
    assert.equal(readOnlyRunFolder(envRoot).run.summary?.endReason, 'work-done');
    assertFolderClean(envRoot);

    const optionFile = join(dir.path, 'my.cnf');
    writeFileSync(optionFile, `[client]\nuser = ${user.user}\npassword = "${user.password}"\n`);
    const fileRoot = join(dir.path, 'run-file');
    const viaFile = await runCli(
      ['run', 'insert-features', '--defaults-file', optionFile, '--host', SERVER.host, '--port', String(SERVER.port), '--database', db.name, ...RUN_ARGS, '--fresh', '--feature-file', smallFeatureFile(), '--results', fileRoot],
    );
    assert.equal(viaFile.code, 0, describeResult(viaFile));
    assertOutputClean(viaFile, 'run (option file)');
    assertFolderClean(fileRoot);
  });

  test('failures with the password set do not show it either', async () => {
    // A run of a flag that is not prepared fails after connecting.
    const unprepared = await runCli(['run', 'insert-features', ...userArgs(), `--password=${user.password}`, '--flag', 'nothere', '--workers', '2', '--duration', '1s', '--results', join(dir.path, 'fail'), '--feature-file', smallFeatureFile()]);
    assert.equal(unprepared.code, 1, describeResult(unprepared));
    assert.match(unprepared.stderr, /not prepared/);
    assertOutputClean(unprepared, 'unprepared run');
    assert.deepEqual(stackTraceLines(unprepared.stderr), []);

    // A database the user has no rights on: refused by the server.
    const otherDb = `ib_test_${user.user.replace('ib_user_', '')}0`;
    const denied = await runCli(['run', 'insert-features', ...userArgs(otherDb), '--flag', 'sec', '--workers', '2', '--duration', '1s', '--results', join(dir.path, 'denied'), '--feature-file', smallFeatureFile()], {
      env: { MYSQL_PWD: user.password },
    });
    assert.equal(denied.code, 1, describeResult(denied));
    assert.match(denied.stderr, /access denied/i);
    assertOutputClean(denied, 'denied run');

    // The right user with a wrong password that contains the real one: the message names neither.
    const wrong = `${user.password}-not`;
    const badPassword = await runCli(['prepare', 'insert-features', ...userArgs(), `--password=${wrong}`, '--flag', 'sec']);
    assert.equal(badPassword.code, 1, describeResult(badPassword));
    assert.match(badPassword.stderr, /access denied/i);
    assertOutputClean(badPassword, 'wrong password');

    // An unreachable server with the password set.
    const unreachable = await runCli(['run', 'insert-features', ...connectionArgs(db.name, user.user, user.password).map((arg) => (arg === String(SERVER.port) ? '1' : arg)), '--feature-file', smallFeatureFile(), '--results', join(dir.path, 'unreachable')]);
    assert.equal(unreachable.code, 1, describeResult(unreachable));
    assertOutputClean(unreachable, 'unreachable server');
    for (const folder of ['fail', 'denied']) if (existsSync(join(dir.path, folder))) assertFolderClean(join(dir.path, folder));
  });
});
