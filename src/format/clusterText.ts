/**
 * The cluster's part of the interval line and of the summary (runs with --hosts). Per node, the
 * harness's own operations (what its clients did there) come first; the wsrep figures are the
 * cluster's, summed over the nodes that answered. A node's Com_insert counts every node's inserts
 * (replication applies them everywhere), so it is labelled cluster-wide wherever it is shown.
 */
import type { IntervalStats } from '../metrics/intervalStats.js';
import { COMMIT_CONFLICT, nodeOfPart, nodePart } from '../metrics/clusterStatus.js';
import type { RunFile } from '../results/types.js';

const sum = (values: Array<number | undefined>): number => values.reduce<number>((total, v) => total + (v ?? 0), 0);

/** ` || nodes ops/s: a 812.0, b 790.2, c down | cluster: …` appended to the interval line. */
export function clusterLine(stats: IntervalStats): string {
  const cluster = stats.cluster;
  if (!cluster) return '';
  const perNode = cluster.nodes.map((n) => {
    const ops = stats.byOp[nodePart(n.node)]?.counts.ops ?? 0;
    return `${n.node} ${(ops / stats.seconds).toFixed(1)}${n.reachable ? '' : ' (down)'}`;
  });
  const up = cluster.nodes.filter((n) => n.reachable);
  const total = (name: string): number => sum(up.map((n) => n.delta[name]));
  // Flow control pauses replication cluster-wide: the longest pause any node saw, not their sum.
  const most = (name: string): number => Math.max(0, ...up.map((n) => n.delta[name] ?? 0));
  const size = up.length ? Math.min(...up.map((n) => n.gauges.wsrep_cluster_size ?? 0)) : 0;
  const status = [...new Set(up.map((n) => n.clusterStatus ?? '?'))].join('/') || 'no node answered';
  const recvQueue = up.length ? Math.max(...up.map((n) => n.gauges.wsrep_local_recv_queue_avg ?? 0)) : 0;
  return (
    ` || nodes ops/s: ${perNode.join(', ')}` +
    ` | cluster: size ${size} ${status}${cluster.degraded ? ` DEGRADED (${cluster.why})` : ''}` +
    ` cert_fail ${total('wsrep_local_cert_failures')} bf_abort ${total('wsrep_local_bf_aborts')} replays ${total('wsrep_local_replays')}` +
    ` fc_paused ${(most('wsrep_flow_control_paused_ns') / 1e9).toFixed(2)}s fc_sent/recv ${total('wsrep_flow_control_sent')}/${total('wsrep_flow_control_recv')}` +
    ` recvq_avg ${recvQueue.toFixed(2)}`
  );
}

/** The summary's cluster lines. */
export function clusterSummaryLines(run: RunFile): string[] {
  const c = run.summary?.cluster;
  const s = run.summary;
  if (!c || !s) return [];
  const lines: string[] = [];
  const harness = c.nodes.map((n) => {
    const o = s.byOp[nodePart(n.node)];
    return `${n.node} ${o?.ops ?? 0} ops (${(o?.opsPerSec ?? 0).toFixed(1)}/s, p95 ${o?.latencyMs.p95 ?? 'n/a'} ms, 1213 ${o?.deadlocks ?? 0}, at COMMIT ${o?.errorsByCode[COMMIT_CONFLICT] ?? 0})`;
  });
  lines.push(`  cluster: ${c.nodes.length} nodes, workers round-robin; harness per node: ${harness.join('; ')}`);
  const t = c.totals;
  lines.push(
    `  cluster: wsrep_local_cert_failures ${t.wsrep_local_cert_failures ?? 0}, wsrep_local_bf_aborts ${t.wsrep_local_bf_aborts ?? 0}, wsrep_local_replays ${t.wsrep_local_replays ?? 0}, Innodb_deadlocks ${t.Innodb_deadlocks ?? 0} (sums over the nodes)`,
  );
  lines.push(
    `  cluster: flow control paused ${(Math.max(0, ...c.nodes.map((n) => n.delta.wsrep_flow_control_paused_ns ?? 0)) / 1e9).toFixed(2)} s (longest of any node), sent ${t.wsrep_flow_control_sent ?? 0} / recv ${t.wsrep_flow_control_recv ?? 0}, wsrep_local_recv_queue_avg max ${Math.max(...c.nodes.map((n) => n.recvQueueAvgMax)).toFixed(2)}; at the end: ${c.nodes.map((n) => `${n.node} ${n.state || '-'} size ${n.gauges.wsrep_cluster_size ?? '?'} ${n.clusterStatus ?? ''}`.trim()).join(', ')}`,
  );
  const retry = [...new Set(c.nodes.map((n) => n.retryAutocommit))].map((r) => (r === null ? 'unknown' : String(r)));
  lines.push(`  cluster: wsrep_retry_autocommit ${retry.join('/')}; conflicts: ${c.conflicts.note}`);
  lines.push(`  cluster: Com_insert per node counts the cluster's statements (replication applies every insert on every node), not the node's own clients: ${c.nodes.map((n) => `${n.node} +${n.delta.Com_insert ?? 0}`).join(', ')}`);
  if (c.degraded.length) {
    lines.push(`  cluster degraded ${c.degradedSec} s: ${c.degraded.map((w) => `from ${w.from} to ${w.to ?? 'the end of the run'} (${w.why})`).join('; ')}`);
  } else lines.push('  cluster: whole for the entire run (every node reachable, Primary, Synced)');
  for (const n of c.nodes) if (n.restarts) lines.push(`  cluster: ${n.node} restarted ${n.restarts} time(s): its counters were taken from zero after each restart`);
  if (c.accounting) lines.push(`  cluster accounting: ${c.accounting.ok ? 'ok' : 'MISMATCH'}: ${c.accounting.note}`);
  return lines;
}

/** Op types the summary lists itself: node parts are shown in the cluster lines instead. */
export function listedOps(ops: string[]): string[] {
  return ops.filter((op) => nodeOfPart(op) === null);
}
