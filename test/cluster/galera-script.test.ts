/**
 * scripts/galera-cluster.sh is idempotent: `up` on a running cluster starts nothing, `down` twice
 * stops what runs and then says so, `up` after a SIGKILL of one node restarts only that node, which
 * rejoins, and `up` on nodes left without a Primary component forms one again; every listener (client and group ports) is on 127.0.0.1.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describeScript, ensureCluster, galeraScript, galeraSkipReason, NODE_PORTS, nodePid, nodeQuery, nodeStatus } from '../support/galera.js';

const skip = galeraSkipReason();

function waitExit(pid: number): void {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    spawnSync('sleep', ['0.1']);
  }
  throw new Error(`pid ${pid} still alive`);
}

describe('galera-cluster.sh', { skip }, () => {
  before(() => ensureCluster());

  test('up on a running cluster starts nothing', () => {
    const pids = [1, 2, 3].map(nodePid);
    const again = galeraScript('up');
    assert.equal(again.code, 0, describeScript(again));
    assert.equal(again.stdout.match(/already running/g)?.length, 3, describeScript(again));
    assert.deepEqual([1, 2, 3].map(nodePid), pids);
    const status = galeraScript('status');
    assert.equal(status.code, 0, describeScript(status));
    assert.equal(status.stdout.match(/Synced cluster_size 3 Primary/g)?.length, 3, describeScript(status));
  });

  test('every listener of the cluster is on loopback', () => {
    const pids = new Set([1, 2, 3].map(nodePid).map(String));
    const listening = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' }).stdout.split('\n');
    const ours = listening.filter((line) => [...line.matchAll(/pid=(\d+)/g)].some((match) => pids.has(match[1]!)));
    assert.ok(ours.length >= 6, `client and group ports of 3 nodes:\n${ours.join('\n')}`);
    for (const line of ours) assert.match(line, /\s127\.0\.0\.1:\d+\s/, line);
  });

  test('up after a node was killed restarts that node only, and it rejoins', async () => {
    const [pid1, pid2, pid3] = [1, 2, 3].map(nodePid);
    process.kill(pid2!, 'SIGKILL');
    waitExit(pid2!);
    const up = galeraScript('up');
    assert.equal(up.code, 0, describeScript(up));
    assert.match(up.stdout, /node 2: starting/, describeScript(up));
    assert.doesNotMatch(up.stdout, /bootstraps/, describeScript(up));
    assert.equal(nodePid(1), pid1);
    assert.equal(nodePid(3), pid3);
    assert.equal(await nodeStatus(NODE_PORTS[1], 'wsrep_cluster_size'), '3');
  });

  test('up heals a cluster left without a Primary component (every node isolated, then let go)', async () => {
    const provider = (port: number, options: string) => nodeQuery(port, 'SET GLOBAL wsrep_provider_options = ?', [options]);
    for (const port of NODE_PORTS) await provider(port, 'gmcast.isolate=1');
    for (let i = 0; i < 40 && (await nodeStatus(NODE_PORTS[0], 'wsrep_cluster_status')) === 'Primary'; i++) await new Promise((resolve) => setTimeout(resolve, 250));
    for (const port of NODE_PORTS) await provider(port, 'gmcast.isolate=0');
    const up = galeraScript('up');
    assert.equal(up.code, 0, describeScript(up));
    const status = galeraScript('status');
    assert.equal(status.stdout.match(/Synced cluster_size 3 Primary/g)?.length, 3, `${describeScript(up)}\n${describeScript(status)}`);
  });

  test('down twice, then up: the second down finds nothing to stop, up bootstraps again', () => {
    const down = galeraScript('down');
    assert.equal(down.code, 0, describeScript(down));
    assert.equal(down.stdout.match(/shutting down/g)?.length, 3, describeScript(down));
    const again = galeraScript('down');
    assert.equal(again.code, 0, describeScript(again));
    assert.equal(again.stdout.match(/not running/g)?.length, 3, describeScript(again));
    const status = galeraScript('status');
    assert.equal(status.code, 3, describeScript(status));
    const up = galeraScript('up');
    assert.equal(up.code, 0, describeScript(up));
    assert.match(up.stdout, /node 1: starting .*bootstraps the cluster/, describeScript(up));
    assert.match(up.stdout, /node 3: Synced \(cluster size 3\)/, describeScript(up));
  });
});
