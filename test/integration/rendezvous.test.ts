/**
 * `--shard auto/N` meets the other shards at a table on the server before anything starts: with one
 * shard missing it gives up after --rendezvous-timeout with a message naming the missing shard,
 * exits 1, creates no run folder and takes its registration out again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { adminQuery, connectionArgs, createTestDatabase, describeResult, featureFileArgs, runCli, tempDir, type TestDatabase } from '../helpers.js';

let db: TestDatabase;

before(async () => {
  db = await createTestDatabase();
  const prepared = await runCli(['prepare', 'insert-features', ...connectionArgs(db.name), '--groups', '2', '--members', '10', '--images', '5']);
  assert.equal(prepared.code, 0, describeResult(prepared));
});

after(async () => {
  await db?.drop();
});

test('a rendezvous with one shard missing times out with a clear message and no run', async () => {
  const results = tempDir('ib-rendezvous-');
  try {
    const run = await runCli(['run', 'insert-features', ...connectionArgs(db.name), '--shard', 'auto/2', '--rendezvous-timeout', '2s', '--workers', '2', '--duration', '2s', '--results', results.path, ...featureFileArgs()], {
      env: { JOB_COMPLETION_INDEX: '0' },
    });
    assert.equal(run.code, 1, describeResult(run));
    assert.match(run.stderr, /rendezvous "insert-features-demo-2": only 1 of 2 shards arrived within 2 s \(missing: shard 2\/2\); no run was started/);
    assert.ok(!existsSync(results.path) || readdirSync(results.path).length === 0, 'no run folder');
    const rows = await adminQuery<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM innobench_rendezvous', [], db.name);
    assert.equal(Number(rows[0]!.n), 0, 'the registration was taken out');
  } finally {
    results.remove();
  }
});
