/**
 * `--hosts` with one node that runs without Galera (the shared test server, wsrep_on OFF): the run
 * goes through the cluster path (per-node figures, rows counted on every node) and does not call
 * the node degraded for reporting its wsrep status as Disconnected.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionArgs, createTestDatabase, describeResult, featureFileArgs, readOnlyRunFolder, runCli, SERVER, tempDir, type TestDatabase } from '../helpers.js';
import { nodePart } from '../../src/metrics/clusterStatus.js';

let db: TestDatabase;

before(async () => {
  db = await createTestDatabase();
  const prepared = await runCli(['prepare', 'insert-features', ...connectionArgs(db.name), '--groups', '4', '--members', '20', '--images', '5']);
  assert.equal(prepared.code, 0, describeResult(prepared));
});

after(async () => {
  await db?.drop();
});

test('--hosts on a server without Galera: per-node figures, rows on the node, never degraded', async () => {
  const results = tempDir('ib-hosts-');
  try {
    const run = await runCli(['run', 'insert-features', ...connectionArgs(db.name), '--hosts', `${SERVER.host}:${SERVER.port}`, '--workers', '3', '--duration', '2s', '--interval', '1s', '--results', results.path, ...featureFileArgs()]);
    assert.equal(run.code, 0, describeResult(run));
    assert.match(run.stderr, /not a Galera node \(wsrep_on OFF or unreachable at the start\)/);
    const s = readOnlyRunFolder(results.path).run.summary!;
    assert.equal(s.byOp[nodePart(`${SERVER.host}:${SERVER.port}`)]?.ops, s.ops);
    assert.deepEqual(s.cluster?.degraded, []);
    assert.equal(s.cluster?.accounting?.ok, true, s.cluster?.accounting?.note);
  } finally {
    results.remove();
  }
});
