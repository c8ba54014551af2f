/**
 * Every scenario on both drivers, through the CLI: each run completes with no error, the rows and
 * bytes it reports are what the tables hold, the write scenarios' accounting check holds, and
 * run.json names the driver and its version. Scenarios never know which driver runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminQuery, connectionArgs, createTestDatabase, describeResult, featureFileArgs, readOnlyRunFolder, runCli, tempDir, type TestDatabase } from '../helpers.js';
import { DRIVERS, type DriverName } from '../../src/config/connection.js';
import { driverVersion } from '../../src/db/drivers/index.js';
import type { RunFile } from '../../src/results/types.js';

let db: TestDatabase;
let results: ReturnType<typeof tempDir>;
let runs = 0;

before(async () => {
  db = await createTestDatabase();
  results = tempDir('ib-drivers-');
});

after(async () => {
  await db?.drop();
  results?.remove();
});

/** The loader runs on the driver too (multi-row INSERTs with mysql2, bulk executes with mariadb). */
async function prepare(scenario: string, flag: string, driver: DriverName, extra: string[] = []): Promise<void> {
  const prepared = await runCli(['prepare', scenario, '--flag', flag, '--driver', driver, '--groups', '2', '--members', '10', '--images', '4', ...extra, ...featureFileArgs(), ...connectionArgs(db.name)]);
  assert.equal(prepared.code, 0, describeResult(prepared));
}

async function run(scenario: string, flag: string, driver: DriverName, extra: string[]): Promise<RunFile> {
  const root = join(results.path, `${scenario}-${flag}-${driver}-${++runs}`);
  const args = ['run', scenario, '--flag', flag, '--driver', driver, '--workers', '4', '--threads', '2', '--interval', '1s', '--results', root, ...extra];
  const result = await runCli([...args, ...featureFileArgs(), ...connectionArgs(db.name)], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, describeResult(result));
  const version = driverVersion(driver);
  assert.match(result.stderr, new RegExp(`driver ${driver} ${version.replace(/\./g, '\\.')}`), 'the run says which driver it runs');
  const runFile = readOnlyRunFolder(root).run;
  assert.equal(runFile.state, 'completed');
  assert.deepEqual(runFile.environment.driver, { name: driver, version });
  const summary = runFile.summary!;
  assert.ok(summary.ops > 0, `${scenario} on ${driver}: no operation`);
  assert.equal(summary.errors, 0, `${scenario} on ${driver}: ${JSON.stringify(summary.errorsByCode)}`);
  return runFile;
}

async function count(table: string): Promise<number> {
  const rows = await adminQuery<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM \`${table}\``, [], db.name);
  return Number(rows[0]!.n);
}

for (const driver of DRIVERS) {
  describe(`every scenario on ${driver}`, () => {
    const flag = `d${driver.slice(0, 2)}`;
    before(async () => {
      await prepare('read-member-features', `${flag}r`, driver, ['--with-features']);
      await prepare('insert-features', `${flag}i`, driver);
      await prepare('replace-member-images', `${flag}x`, driver);
      await prepare('read-write', `${flag}w`, driver, ['--memberships']);
    });

    test('prepare loads every row: the hierarchy, features and memberships', async () => {
      assert.equal(await count(`member_${flag}r`), 20);
      assert.equal(await count(`image_${flag}r`), 80);
      assert.equal(await count(`feature_${flag}r_1`), 80);
      assert.equal(await count(`feature_${flag}i_1`), 0);
      assert.equal(await count(`person_${flag}w`), 20);
      const [sums] = await adminQuery<Array<{ n: number; bytes: number }>>(`SELECT COUNT(*) AS n, SUM(LENGTH(feature)) AS bytes FROM \`feature_${flag}r_1\``, [], db.name);
      assert.equal(Number(sums!.bytes), 80 * 2000);
    });

    test('insert-features, one row per statement and in batches: every row accounted for', async () => {
      const single = await run('insert-features', `${flag}i`, driver, ['--duration', '20s']);
      assert.equal(single.summary!.endReason, 'work-done');
      assert.equal(single.summary!.rows, 80);
      assert.equal(single.summary!.accounting?.tableRowsDelta, 80);
      const batched = await run('insert-features', `${flag}i`, driver, ['--duration', '20s', '--batch', '3', '--fresh']);
      assert.equal(batched.summary!.rows, 80);
      assert.equal(batched.summary!.commits, 4 * Math.ceil(20 / 3), 'one COMMIT per batch (each worker has 20 rows)');
      assert.equal(batched.summary!.accounting?.tableRowsDelta, 80);
      assert.equal(await count(`feature_${flag}i_1`), 80);
    });

    test('read-member-features: each read returns a member\'s 4 features of 2 000 bytes', async () => {
      const read = await run('read-member-features', `${flag}r`, driver, ['--duration', '2s']);
      const s = read.summary!;
      assert.equal(s.rows, 4 * s.ops);
      assert.equal(s.bytes, 2000 * s.rows);
    });

    test('rank-members, both access paths: every feature of a group read', async () => {
      for (const access of ['group', 'per-member']) {
        const ranked = await run('rank-members', `${flag}r`, driver, ['--duration', '2s', '--access', access]);
        assert.equal(ranked.summary!.rows, 10 * 4 * ranked.summary!.ops, access);
      }
    });

    test('insert-members and read-write: rows accounted for', async () => {
      const members = await run('insert-members', `${flag}r`, driver, ['--duration', '2s']);
      assert.equal(members.summary!.accounting?.tableRowsDelta, members.summary!.rows);
      const mixed = await run('read-write', `${flag}w`, driver, ['--duration', '2s', '--read-ratio', '0.5']);
      assert.ok(mixed.summary!.byOp.read && mixed.summary!.byOp.insert, JSON.stringify(Object.keys(mixed.summary!.byOp)));
      assert.equal(await count(`feature_${flag}w_1`), mixed.summary!.byOp.insert.rows, 'the table holds the inserts');
    });

    test('replace-member-images: transactions commit or are retried, and every member is whole', async () => {
      const replaced = await run('replace-member-images', `${flag}x`, driver, ['--duration', '3s']);
      assert.equal(replaced.summary!.exhausted, 0);
      assert.ok(replaced.summary!.commits > 0);
    });
  });
}
