import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterInterval, nodeInterval, nodeOfPart, nodePart } from './clusterStatus.js';
import type { StatusSample } from './serverStatus.js';

function sample(at: number, uptime: number, values: Record<string, number>, texts: Record<string, string> = { wsrep_cluster_status: 'Primary', wsrep_local_state_comment: 'Synced' }): StatusSample {
  return { at, uptime, values: new Map(Object.entries(values)), texts };
}

test('nodeInterval: counter deltas, gauges and the node state; a restart counts from zero', () => {
  const before = sample(0, 100, { wsrep_local_cert_failures: 5, Com_insert: 1000, wsrep_cluster_size: 3 });
  const after = sample(5000, 105, { wsrep_local_cert_failures: 7, Com_insert: 1600, wsrep_cluster_size: 3, wsrep_local_recv_queue_avg: 1.5 });
  const n = nodeInterval('a:1', before, after);
  assert.deepEqual(n.delta, { wsrep_local_cert_failures: 2, Com_insert: 600 });
  assert.deepEqual(n.gauges, { wsrep_cluster_size: 3, wsrep_local_recv_queue_avg: 1.5 });
  assert.equal(n.clusterStatus, 'Primary');
  assert.equal(n.reset, false);
  const restarted = nodeInterval('a:1', before, sample(20_000, 3, { wsrep_local_cert_failures: 1, Com_insert: 40 }));
  assert.equal(restarted.reset, true);
  assert.deepEqual(restarted.delta, { wsrep_local_cert_failures: 1, Com_insert: 40 });
  // A first sample has no baseline: nothing counted yet.
  assert.deepEqual(nodeInterval('a:1', null, after).delta, { wsrep_local_cert_failures: 0, Com_insert: 0 });
  assert.equal(nodeInterval('a:1', before, null).reachable, false);
});

test('clusterInterval: whole, or degraded with the reason', () => {
  const good = (node: string) => nodeInterval(node, null, sample(0, 1, { wsrep_cluster_size: 3 }));
  assert.deepEqual(clusterInterval([good('a'), good('b'), good('c')]).degraded, false);
  const down = nodeInterval('c', null, null);
  const shrunk = (node: string) => nodeInterval(node, null, sample(0, 1, { wsrep_cluster_size: 2 }));
  const degraded = clusterInterval([shrunk('a'), shrunk('b'), down]);
  assert.equal(degraded.degraded, true);
  assert.equal(degraded.why, 'a sees 2 of 3 nodes, b sees 2 of 3 nodes, c unreachable');
  const joining = nodeInterval('c', null, sample(0, 1, { wsrep_cluster_size: 3 }, { wsrep_cluster_status: 'Primary', wsrep_local_state_comment: 'Joined' }));
  assert.equal(clusterInterval([good('a'), good('b'), joining]).why, 'c Joined');
});

test('node op types round-trip', () => {
  assert.equal(nodeOfPart(nodePart('127.0.0.1:3311')), '127.0.0.1:3311');
  assert.equal(nodeOfPart('insert'), null);
  assert.equal(nodeOfPart('part:query'), null);
});

test('a node without Galera (wsrep_on OFF reports Disconnected) is only watched for answering', () => {
  const plain = nodeInterval('p:1', null, sample(0, 1, { wsrep_cluster_size: 0 }, { wsrep_cluster_status: 'Disconnected', wsrep_local_state_comment: '' }));
  assert.equal(clusterInterval([plain], new Set(['p:1'])).degraded, false);
  assert.equal(clusterInterval([plain]).why, 'p:1 Disconnected');
  assert.equal(clusterInterval([nodeInterval('p:1', null, null)], new Set(['p:1'])).why, 'p:1 unreachable');
});
