import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterLine, listedOps } from './clusterText.js';
import { clusterInterval, nodeInterval, nodePart } from '../metrics/clusterStatus.js';
import { emptyCounts } from '../metrics/opMeters.js';
import type { IntervalStats } from '../metrics/intervalStats.js';
import type { StatusSample } from '../metrics/serverStatus.js';

const latency = { p50: 1, p95: 2, p99: 3, max: 4, mean: 1 };

function sample(values: Record<string, number>): StatusSample {
  return { at: 0, uptime: 10, values: new Map(Object.entries(values)), texts: { wsrep_cluster_status: 'Primary', wsrep_local_state_comment: 'Synced' } };
}

test('the interval line: harness ops/s per node, the cluster figures summed, a node down shown', () => {
  const before = sample({ wsrep_local_cert_failures: 0, wsrep_local_bf_aborts: 0, wsrep_flow_control_paused_ns: 0 });
  const a = nodeInterval('a:1', before, sample({ wsrep_local_cert_failures: 2, wsrep_local_bf_aborts: 1, wsrep_flow_control_paused_ns: 5e8, wsrep_cluster_size: 2, wsrep_local_recv_queue_avg: 0.5 }));
  const b = nodeInterval('b:2', before, sample({ wsrep_local_cert_failures: 1, wsrep_local_bf_aborts: 0, wsrep_flow_control_paused_ns: 2e8, wsrep_cluster_size: 2 }));
  const c = nodeInterval('c:3', before, null);
  const counts = (ops: number) => ({ counts: { ...emptyCounts(), ops }, opsPerSec: ops / 2, latencyMs: { ...latency } });
  const stats: IntervalStats = {
    seq: 1,
    elapsedSec: 2,
    seconds: 2,
    byOp: { insert: counts(30), [nodePart('a:1')]: counts(20), [nodePart('b:2')]: counts(10) },
    all: counts(30),
    cluster: clusterInterval([a, b, c]),
  };
  assert.equal(
    clusterLine(stats),
    ' || nodes ops/s: a:1 10.0, b:2 5.0, c:3 0.0 (down) | cluster: size 2 Primary DEGRADED (a:1 sees 2 of 3 nodes, b:2 sees 2 of 3 nodes, c:3 unreachable) cert_fail 3 bf_abort 1 replays 0 fc_paused 0.50s fc_sent/recv 0/0 recvq_avg 0.50',
  );
  assert.deepEqual(listedOps(Object.keys(stats.byOp)), ['insert']);
});
