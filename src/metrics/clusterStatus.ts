/**
 * A Galera cluster's own figures, per node and per interval: the wsrep counters (certification
 * failures, brute-force aborts, replays, flow control), the node's view of the cluster (size,
 * Primary or not, Synced or not), and the harness's operations per node, which the load threads
 * record under a `part:node <host:port>` op type (so they are shown, never added to the totals).
 *
 * A write applied by replication moves Com_insert on every node: a node's Com_insert counts the
 * cluster's INSERT statements, not its own clients'. Its own clients' share is the harness's
 * per-node figure (and wsrep_local_commits, counted where a transaction started).
 */
import { PART_PREFIX } from './opMeters.js';
import type { StatusSample } from './serverStatus.js';

const WSREP_COUNTERS = [
  'wsrep_local_cert_failures',
  'wsrep_local_bf_aborts',
  'wsrep_local_replays',
  'wsrep_flow_control_paused_ns',
  'wsrep_flow_control_sent',
  'wsrep_flow_control_recv',
  'wsrep_local_commits',
  'wsrep_replicated',
  'wsrep_received',
  'Com_insert',
  'Innodb_deadlocks',
] as const;

const WSREP_GAUGES = ['wsrep_cluster_size', 'wsrep_local_recv_queue_avg', 'wsrep_local_recv_queue'] as const;

/** The op type under which a load thread counts a node's operations. */
const NODE_PART = `${PART_PREFIX}node `;

export function nodePart(node: string): string {
  return NODE_PART + node;
}

/** The node an op type counts (`part:node 127.0.0.1:3311` → 127.0.0.1:3311), or null. */
export function nodeOfPart(op: string): string | null {
  return op.startsWith(NODE_PART) ? op.slice(NODE_PART.length) : null;
}

/** errorsByCode key of a node's 1213 returned by COMMIT: a Galera conflict for certain (db/errors.ts). */
export const COMMIT_CONFLICT = '1213 at COMMIT';

export interface NodeInterval {
  node: string;
  /** The node's sampler reached it at the end of this interval. */
  reachable: boolean;
  /** Counter deltas since the node's previous sample (empty when unreachable). */
  delta: Record<string, number>;
  gauges: Record<string, number>;
  /** wsrep_cluster_status (Primary, non-Primary, Disconnected) and wsrep_local_state_comment (Synced …). */
  clusterStatus: string | null;
  state: string | null;
  /** The node restarted since its previous sample: its counters were taken from zero. */
  reset: boolean;
}

export interface ClusterInterval {
  nodes: NodeInterval[];
  /** A node unreachable, or a reachable one that sees fewer nodes, no Primary component or is not Synced. */
  degraded: boolean;
  why: string | null;
}

/** One node's deltas between two samples; from zero after a restart (Uptime went down), as serverStatus does. */
export function nodeInterval(node: string, before: StatusSample | null, after: StatusSample | null): NodeInterval {
  if (!after) return { node, reachable: false, delta: {}, gauges: {}, clusterStatus: null, state: null, reset: false };
  const reset = before !== null && after.uptime + 2 < before.uptime + (after.at - before.at) / 1000;
  const delta: Record<string, number> = {};
  for (const name of WSREP_COUNTERS) {
    const now = after.values.get(name);
    if (now === undefined) continue;
    const then = before && !reset ? (before.values.get(name) ?? 0) : before ? 0 : now;
    delta[name] = Math.max(0, now - then);
  }
  const gauges: Record<string, number> = {};
  for (const name of WSREP_GAUGES) {
    const now = after.values.get(name);
    if (now !== undefined) gauges[name] = now;
  }
  return { node, reachable: true, delta, gauges, clusterStatus: after.texts?.wsrep_cluster_status ?? null, state: after.texts?.wsrep_local_state_comment ?? null, reset };
}

/**
 * Whether the cluster was whole at this sample, and if not, why (pure). `standalone` nodes run
 * without Galera (wsrep_on OFF: a MariaDB reports its wsrep status all the same, Disconnected):
 * only whether they answer counts.
 */
export function clusterInterval(nodes: NodeInterval[], standalone: ReadonlySet<string> = new Set()): ClusterInterval {
  const reasons: string[] = [];
  for (const n of nodes) {
    if (!n.reachable) reasons.push(`${n.node} unreachable`);
    else if (standalone.has(n.node)) continue;
    else if (n.clusterStatus !== null && n.clusterStatus !== 'Primary') reasons.push(`${n.node} ${n.clusterStatus}`);
    else if (n.state !== null && n.state !== 'Synced') reasons.push(`${n.node} ${n.state}`);
    else if (n.gauges.wsrep_cluster_size !== undefined && n.gauges.wsrep_cluster_size < nodes.length) reasons.push(`${n.node} sees ${n.gauges.wsrep_cluster_size} of ${nodes.length} nodes`);
  }
  return { nodes, degraded: reasons.length > 0, why: reasons.length ? reasons.join(', ') : null };
}

/** A stretch of the run during which the cluster was not whole. */
export interface DegradedWindow {
  from: string;
  to: string | null;
  seconds: number | null;
  why: string;
}

/** What run.json records of a run against a cluster (summary.cluster). */
export interface ClusterSummary {
  nodes: Array<{
    node: string;
    /** The node's counter deltas over the run (its Com_insert counts the whole cluster's statements). */
    delta: Record<string, number>;
    /** Gauges at the node's last sample, and the highest wsrep_local_recv_queue_avg seen. */
    gauges: Record<string, number>;
    recvQueueAvgMax: number;
    clusterStatus: string | null;
    state: string | null;
    restarts: number;
    /** @@wsrep_retry_autocommit when the run started (null: unreachable or not Galera). */
    retryAutocommit: number | null;
  }>;
  /** Sums over the nodes of the wsrep counters and Innodb_deadlocks. */
  totals: Record<string, number>;
  degraded: DegradedWindow[];
  degradedSec: number;
  conflicts: ConflictAccounting;
  accounting?: ClusterAccounting;
}

/** The counted figures a conflict accounting starts from (sums over the nodes). */
export interface ConflictCounts {
  /** Every 1213 the harness saw (its `deadlocks`). */
  harness1213: number;
  /** Those returned by COMMIT: Galera conflicts for certain. */
  atCommit: number;
  innodbDeadlocks: number;
  certFailures: number;
  bfAborts: number;
  replays: number;
}

/** The harness's 1213s against the cluster's counters (analysis/accounting/clusterConflicts.ts). */
export interface ConflictAccounting extends ConflictCounts {
  /** 1213s on statements beyond the nodes' Innodb_deadlocks: brute-force aborts seen on a statement. */
  galeraOnStatements: number;
  /** Galera conflicts (cert failures + BF aborts) the harness never saw: retried by the server or replayed. */
  unseen: number;
  note: string;
}

/** Rows the harness inserted against the rows on every node once replication caught up. */
export interface ClusterAccounting {
  ok: boolean;
  /** Table rows per node, counted with wsrep_sync_wait; null: the node could not be read. */
  rowsByNode: Record<string, number | null>;
  note: string;
}
