/**
 * `innobench doctor` against a private MariaDB whose settings the tests change: a healthy server,
 * settings that make results misleading (innodb_flush_log_at_trx_commit=0, the query cache on, a
 * warm read benchmark larger than the buffer pool), an account without the privileges a scenario
 * needs, too few connections, an unreachable server. Exit 1 exactly when a check is an error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeResult, randomSuffix, runCli, stackTraceLines, type CliResult } from '../helpers.js';
import { disposableServerSkipReason, startDisposableServer, type DisposableServer } from '../support/disposableServer.js';

const skip = disposableServerSkipReason();
const DATABASE = 'ib_fault_doctor';

let server: DisposableServer;
/** `innobench doctor …` */
function doctor(args: string[]): Promise<CliResult> {
  return runCli(['doctor', ...args]);
}

/** The line of one check: `level  name  detail`. */
function line(result: CliResult, name: string): string {
  const found = result.stdout.split('\n').find((text) => new RegExp(`^(ok|warning|error)\\s+${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s{2}`).test(text));
  assert.ok(found, `no ${name} line:\n${result.stdout}\n${result.stderr}`);
  return found;
}

function assertClean(result: CliResult): void {
  assert.deepEqual(stackTraceLines(result.stderr), [], describeResult(result));
  assert.deepEqual(stackTraceLines(result.stdout), [], describeResult(result));
}

describe('innobench doctor (private MariaDB)', { skip, timeout: 120_000 }, () => {
  before(async () => {
    // Started with the query cache possible (MariaDB cannot turn it on at runtime otherwise), but off.
    // (a non-zero query_cache_size at start-up turns query_cache_type ON in MariaDB: turned OFF here).
    server = await startDisposableServer({ args: ['--query-cache-size=16M'] });
    await server.query('SET GLOBAL query_cache_type = OFF');
    await server.query(`CREATE DATABASE ${DATABASE}`);
  });

  after(async () => {
    await server?.remove();
  });

  test('a healthy server: every check ok, exit 0', async (t) => {
    const result = await doctor([...server.connectionArgs(DATABASE), '--scenario', 'insert-features', '--workers', '100', '--scale', 'small', '--with-features']);
    assertClean(result);
    assert.equal(result.code, 0, describeResult(result));
    for (const name of ['connection', 'server', 'database', 'privileges: run', 'privileges: prepare/cleanup', 'performance_schema', 'connections', 'disk', 'innodb_flush_log_at_trx_commit', 'query cache', 'buffer pool']) {
      assert.match(line(result, name), /^ok/);
    }
    assert.match(line(result, 'server'), /MariaDB 10\./);
    assert.match(line(result, 'connections'), /100 workers \+ 2 harness connections need 102 connections; max_connections is 151/);
    assert.match(line(result, 'disk'), /free at .*data\/?; the plan needs 1000000 images \+ 1000000 features ≈ 2\.\d GiB/);
    assert.match(result.stdout, /doctor: every check ok/);
    t.diagnostic(result.stdout);
  });

  test('settings that make results misleading are warnings', async (t) => {
    await server.query('SET GLOBAL innodb_flush_log_at_trx_commit = 0');
    await server.query('SET GLOBAL query_cache_type = ON');
    try {
      const result = await doctor([...server.connectionArgs(DATABASE), '--scenario', 'read-member-features', '--workers', '20', '--scale', 'small']);
      assertClean(result);
      assert.equal(result.code, 0, 'warnings alone do not fail');
      assert.match(line(result, 'innodb_flush_log_at_trx_commit'), /^warning .*0: commits are neither written nor flushed at commit/);
      assert.match(line(result, 'query cache'), /^warning .*query_cache_type=ON with query_cache_size=16 MiB/);
      assert.match(line(result, 'buffer pool'), /^warning .*64 MiB holds less than the 2\.\d GiB of data read-member-features reads/);
      assert.match(result.stdout, /doctor: 0 errors, 3 warnings/);
      t.diagnostic(result.stdout);
    } finally {
      await server.query('SET GLOBAL innodb_flush_log_at_trx_commit = 1');
      await server.query('SET GLOBAL query_cache_type = OFF');
    }
  });

  test('an account with only SELECT: the missing privileges and the GRANT to run, exit 1, no password', async (t) => {
    const user = `ib_doc_${randomSuffix(3)}`;
    const password = `Doc-${randomSuffix(8)}`;
    await server.query("CREATE USER ?@'%' IDENTIFIED BY ?", [user, password]);
    await server.query(`GRANT SELECT ON \`${DATABASE}\`.* TO ?@'%'`, [user]);
    const result = await doctor([...server.connectionArgs(DATABASE, user, password), '--scenario', 'replace-member-images', '--workers', '20']);
    assertClean(result);
    assert.equal(result.code, 1, describeResult(result));
    assert.match(line(result, 'privileges: run'), new RegExp(`^error .*replace-member-images needs SELECT, INSERT, DELETE on \`${DATABASE}\`\\.\\*; '${user}'@'%' lacks INSERT, DELETE: GRANT INSERT, DELETE ON \`${DATABASE}\`\\.\\* TO '${user}'@'%'`));
    assert.match(line(result, 'privileges: prepare/cleanup'), /^warning .*prepare needs CREATE, INSERT, UPDATE, DELETE, cleanup needs DROP, DELETE/);
    assert.match(line(result, 'privileges: PROCESS'), /^warning .*GRANT PROCESS ON \*\.\*/);
    assert.match(line(result, 'privileges: SET GLOBAL'), /^warning /);
    for (const output of [result.stdout, result.stderr]) assert.ok(!output.includes(password), 'the password is not shown');
    t.diagnostic(result.stdout);
  });

  test('max_connections below the plan: error with the numbers, exit 1', async (t) => {
    await server.query('SET GLOBAL max_connections = 50');
    try {
      const result = await doctor([...server.connectionArgs(DATABASE), '--workers', '100']);
      assertClean(result);
      assert.equal(result.code, 1, describeResult(result));
      const text = line(result, 'connections');
      assert.match(text, /^error .*100 workers \+ 2 harness connections need 102 connections; the server allows 50 \(max_connections\) and 0 are in use by others: SET GLOBAL max_connections = 112/);
      t.diagnostic(text);
    } finally {
      await server.query('SET GLOBAL max_connections = 151');
    }
  });

  test('a database that does not exist yet is a warning (prepare creates it)', async () => {
    const result = await doctor([...server.connectionArgs('ib_fault_doctor_new'), '--workers', '10']);
    assert.equal(result.code, 0, describeResult(result));
    assert.match(line(result, 'database'), /^warning .*does not exist yet/);
  });

  test('--json: the checks as data', async () => {
    const result = await doctor([...server.connectionArgs(DATABASE), '--workers', '10', '--json']);
    assert.equal(result.code, 0, describeResult(result));
    const parsed = JSON.parse(result.stdout) as { checks: Array<{ name: string; level: string; detail: string }>; verdict: string };
    assert.ok(parsed.checks.length >= 10);
    assert.ok(parsed.checks.every((c) => ['ok', 'warning', 'error'].includes(c.level)));
  });

  test('an unreachable server: one error line, exit 1', async (t) => {
    const result = await doctor(['--host', '127.0.0.1', '--port', '1', '--user', 'root', '--password=Unreach-Pw-1', '--database', DATABASE]);
    assertClean(result);
    assert.equal(result.code, 1, describeResult(result));
    assert.match(line(result, 'connection'), /^error .*cannot connect to root@127\.0\.0\.1:1\/ib_fault_doctor \(password set\): connection refused/);
    assert.match(result.stderr, /^innobench: doctor: the server cannot be reached: nothing else was checked$/m);
    assert.ok(!result.stdout.includes('Unreach-Pw-1') && !result.stderr.includes('Unreach-Pw-1'));
    t.diagnostic(result.stdout + result.stderr);
  });
});
