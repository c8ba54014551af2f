/**
 * Runs that must be refused before any load starts, on a private MariaDB whose settings the tests
 * change freely: too few connections (max_connections), a wrong password, an unknown user, a user
 * without the privileges the scenario needs, a results folder that cannot be written. Each says
 * one clear line naming the cause and the fix, exits non-zero, shows no stack trace and no password,
 * and leaves the data as it was.
 */
import { SCENARIOS } from '../../scenarios/index.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeResult, listFilesRecursive, randomSuffix, runCli, smallFeatureFile, stackTraceLines, tempDir, type CliResult } from '../helpers.js';
import { libraryTables } from '../../src/schema/tables.js';
import { connectControl } from '../../src/db/connect.js';
import { preRunDoctor, DoctorRefusal } from '../../src/procedures/doctor/preRun.js';
import { HARNESS_CONNECTIONS } from '../../src/engine/preflight.js';
import { disposableServerSkipReason, startDisposableServer, type DisposableServer } from '../support/disposableServer.js';

const skip = disposableServerSkipReason();
const DATABASE = 'ib_fault_refusals';
const FLAG = 'ref';
const FEATURE = libraryTables(FLAG, [1]).features.get(1)!;

let server: DisposableServer;
let dir: ReturnType<typeof tempDir>;
/** Every password the tests used: none may appear in anything a run wrote. */
const secrets: string[] = [];

async function featureRows(): Promise<number> {
  const rows = await server.query<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM \`${FEATURE}\``, [], DATABASE);
  return Number(rows[0]!.n);
}

function runArgs(resultsRoot: string, connection: string[] = server.connectionArgs(DATABASE), options: Record<string, string> = {}, extra: string[] = []): string[] {
  const settings = { workers: '10', duration: '3s', interval: '1s', ...options };
  return ['run', 'insert-features', ...connection, '--flag', FLAG, ...Object.entries(settings).flatMap(([name, value]) => [`--${name}`, value]), '--feature-file', smallFeatureFile(), '--results', resultsRoot, ...extra];
}

/** Non-zero exit, one line starting `innobench: ` (plus at most a hint), no stack trace. */
function assertOneClearLine(result: CliResult, pattern: RegExp, code = 1): string {
  assert.equal(result.code, code, describeResult(result));
  assert.deepEqual(stackTraceLines(result.stderr), [], describeResult(result));
  assert.doesNotMatch(result.stderr, /node:internal|file:\/\/|\bat (async )?\w+ \(/, describeResult(result));
  const lines = result.stderr.split('\n').filter((line) => line.trim().length > 0);
  assert.ok(lines.length >= 1 && lines.length <= 2, `expected one line:\n${result.stderr}`);
  assert.match(lines[0]!, /^innobench: /);
  assert.match(lines[0]!, pattern);
  return lines[0]!;
}

/** No run folder at all under `root` (the refusal came before RunFolder.create). */
function assertNoRunFolder(root: string): void {
  const entries = existsSync(root) ? readdirSync(root) : [];
  assert.deepEqual(entries, [], `a run folder was left: ${entries.join(', ')}`);
}

describe('refused before the load starts (private MariaDB)', { skip, timeout: 180_000 }, () => {
  let rowsBefore: number;

  before(async () => {
    server = await startDisposableServer();
    dir = tempDir('ib-test-refusals-');
    await server.query(`CREATE DATABASE ${DATABASE}`);
    const prepared = await runCli(['prepare', 'insert-features', ...server.connectionArgs(DATABASE), '--flag', FLAG, '--groups', '4', '--members', '50', '--images', '10']);
    assert.equal(prepared.code, 0, describeResult(prepared));
    // A few features already there (so that a TRUNCATE would show), most images still pending.
    const ok = await runCli(runArgs(join(dir.path, 'seed-run'), server.connectionArgs(DATABASE), { workers: '2', duration: '1s', rate: '50/s' }));
    assert.equal(ok.code, 0, describeResult(ok));
    rowsBefore = await featureRows();
    assert.ok(rowsBefore > 0 && rowsBefore < 1000, `features before: ${rowsBefore}`);
  });

  after(async () => {
    await server?.remove();
    dir?.remove();
  });

  test('max_connections below workers + harness connections: the numbers, no run folder', async (t) => {
    await server.query('SET GLOBAL max_connections = 10');
    try {
      const root = join(dir.path, 'max-connections');
      const result = await runCli(runArgs(root));
      const line = assertOneClearLine(result, /10 workers \+ 2 harness connections need 12 connections; the server allows 10 \(max_connections\) and \d+ are in use by others/);
      t.diagnostic(line);
      // The preflight (src/engine/preflight.ts) runs before the run folder is created: nothing is left.
      assertNoRunFolder(root);
      assert.equal(await featureRows(), rowsBefore);
    } finally {
      await server.query('SET GLOBAL max_connections = 151');
    }
  });

  test('a wrong password: access denied, the password never shown', async (t) => {
    const password = `Wr0ng-${randomSuffix(8)}`;
    secrets.push(password);
    const root = join(dir.path, 'wrong-password');
    const result = await runCli(runArgs(root, server.connectionArgs(DATABASE, 'root', password)));
    const line = assertOneClearLine(result, /cannot connect to root@127\.0\.0\.1:\d+\/ib_fault_refusals \(password set\): access denied \(wrong user or password\)/);
    t.diagnostic(line);
    for (const needle of [password, password.slice(6)]) {
      assert.ok(!result.stderr.includes(needle) && !result.stdout.includes(needle), 'the password is not echoed');
    }
    assertNoRunFolder(root);
  });

  test('an unknown user: access denied, one line', async (t) => {
    const root = join(dir.path, 'unknown-user');
    secrets.push('whatever-Pw-1');
    const result = await runCli(runArgs(root, server.connectionArgs(DATABASE, `nobody_${randomSuffix(3)}`, 'whatever-Pw-1')));
    const line = assertOneClearLine(result, /access denied/);
    assert.ok(!result.stderr.includes('whatever-Pw-1'));
    t.diagnostic(line);
    assertNoRunFolder(root);
  });

  describe('a user with only SELECT on the database', () => {
    const user = `ib_sel_${randomSuffix(3)}`;
    const password = `Sel-${randomSuffix(8)}`;
    secrets.push(password);

    before(async () => {
      await server.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
      await server.query(`GRANT SELECT ON \`${DATABASE}\`.* TO ?@?`, [user, '%']);
    });

    test('preRunDoctor refuses with the cause and the GRANT to run', async (t) => {
      const control = await connectControl({ host: '127.0.0.1', port: server.port, user, password, database: DATABASE });
      try {
        const warnings: string[] = [];
        await assert.rejects(
          preRunDoctor(control, { scenario: SCENARIOS['insert-features']!, workers: 10, harnessConnections: HARNESS_CONNECTIONS, flag: FLAG }, (line) => warnings.push(line)),
          (error: unknown) => {
            assert.ok(error instanceof DoctorRefusal);
            assert.match(error.message, /insert-features needs SELECT, INSERT on `ib_fault_refusals`\.\*; '[^']+'@'%' lacks INSERT: GRANT INSERT ON `ib_fault_refusals`\.\* TO '[^']+'@'%'/);
            assert.ok(!error.message.includes(password));
            assert.ok(!error.message.includes('\n'), 'one line');
            t.diagnostic(`DoctorRefusal: ${error.message}`);
            return true;
          },
        );
        t.diagnostic(`warnings: ${warnings.join(' | ')}`);
      } finally {
        await control.end();
      }
    });

    test('preRunDoctor does not refuse privileges SHOW GRANTS lists only per table (tried with EXPLAIN)', async (t) => {
      const tableUser = `ib_tbl_${randomSuffix(3)}`;
      const tablePassword = `Tbl-${randomSuffix(8)}`;
      secrets.push(tablePassword);
      await server.query('CREATE USER ?@? IDENTIFIED BY ?', [tableUser, '%', tablePassword]);
      const tables = libraryTables(FLAG, [1]);
      for (const table of [tables.group, tables.member, tables.image, FEATURE, 'innobench_libraries', 'innobench_objects']) {
        await server.query(`GRANT SELECT, INSERT ON \`${DATABASE}\`.\`${table}\` TO ?@?`, [tableUser, '%']);
      }
      const control = await connectControl({ host: '127.0.0.1', port: server.port, user: tableUser, password: tablePassword, database: DATABASE });
      try {
        const checks = await preRunDoctor(control, { scenario: SCENARIOS['insert-features']!, workers: 10, harnessConnections: HARNESS_CONNECTIONS, flag: FLAG }, () => undefined);
        const run = checks.find((check) => check.name === 'privileges: run')!;
        assert.equal(run.level, 'ok', run.detail);
        assert.match(run.detail, /SELECT, INSERT held on the library's tables \(per-table grants, a role or PUBLIC\)/);
        t.diagnostic(run.detail);
      } finally {
        await control.end();
      }
    });

    test(
      'run: one line naming the missing privilege and the GRANT, non-zero exit, nothing inserted',
      async (t) => {
        const root = join(dir.path, 'select-only');
        const result = await runCli(runArgs(root, server.connectionArgs(DATABASE, user, password)));
        t.diagnostic(`exit ${result.code}; stderr: ${result.stderr.trim().split('\n').filter((line) => /^innobench|completed|ops:|errors:|accounting/.test(line.trim())).join(' / ')}`);
        assert.ok(!result.stderr.includes(password) && !result.stdout.includes(password), 'the password is not echoed');
        assert.equal(await featureRows(), rowsBefore);
        assertOneClearLine(result, /lacks INSERT: GRANT INSERT ON `ib_fault_refusals`\.\* TO/);
        assertNoRunFolder(root);
      },
    );
  });

  test('a results folder that cannot be created (a path under a file: fails for root too)', async (t) => {
    for (const root of ['/dev/null/innobench-results', join(writeFileIn(dir.path, 'a-file'), 'results')]) {
      const result = await runCli(runArgs(root));
      const line = assertOneClearLine(result, new RegExp(`${root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*|ENOTDIR|not a directory`));
      assert.match(line, /ENOTDIR|not a directory/);
      t.diagnostic(line);
      assert.equal(await featureRows(), rowsBefore, 'no insert ran');
    }
  });

  test('an unwritable results folder is refused before --fresh empties the table', async () => {
    const result = await runCli(runArgs('/dev/null/innobench-results', server.connectionArgs(DATABASE), {}, ['--fresh']));
    assertOneClearLine(result, /ENOTDIR|not a directory/);
    assert.equal(await featureRows(), rowsBefore, '--fresh emptied the feature table although the run was refused');
  });

  test('nothing the refused runs wrote holds a password', () => {
    assert.ok(secrets.length >= 2);
    for (const file of existsSync(dir.path) ? listFilesRecursive(dir.path) : []) {
      const text = readFileSync(join(dir.path, file), 'latin1');
      for (const secret of secrets) assert.ok(!text.includes(secret), `${file} holds a password`);
    }
  });
});

function writeFileIn(folder: string, name: string): string {
  const path = join(folder, name);
  writeFileSync(path, 'not a folder\n');
  return path;
}
