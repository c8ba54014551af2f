/**
 * One status sampler per cluster node (each with its own connection, kept across the node's
 * outages), turning each tick's samples into a ClusterInterval and keeping the run's totals per
 * node and the windows during which the cluster was not whole.
 */
import type { ConnectionOptions } from '../config/connection.js';
import { nodeConnections } from '../config/connection.js';
import { nodeLabel } from '../config/hosts.js';
import { addDeltas, type StatusSample } from './serverStatus.js';
import { StatusSampler } from './statusSampler.js';
import { clusterInterval, nodeInterval, type ClusterInterval, type ClusterSummary, type DegradedWindow } from './clusterStatus.js';

interface NodeState {
  node: string;
  sampler: StatusSampler;
  previous: StatusSample | null;
  delta: Record<string, number>;
  last: ReturnType<typeof nodeInterval> | null;
  recvQueueAvgMax: number;
  restarts: number;
}

export class ClusterSampler {
  private readonly nodes: NodeState[];
  /** The open degraded window: when it began and every reason seen during it, in order. */
  private degradedSince: { at: Date; why: string[] } | null = null;
  readonly degraded: DegradedWindow[] = [];
  /** Nodes that run without Galera (see clusterInterval). */
  standalone: ReadonlySet<string> = new Set();

  constructor(connection: ConnectionOptions, log: (line: string) => void) {
    this.nodes = nodeConnections(connection).map((options) => {
      const node = nodeLabel(options);
      return { node, sampler: new StatusSampler(options, (line) => log(`node ${node}: ${line}`)), previous: null, delta: {}, last: null, recvQueueAvgMax: 0, restarts: 0 };
    });
  }

  /** Takes each node's first sample; a node down at the start is an outage from the start, not an error. */
  async open(): Promise<void> {
    await this.sample();
  }

  async sample(): Promise<ClusterInterval> {
    const samples = await Promise.all(this.nodes.map((n) => n.sampler.sample()));
    const intervals = this.nodes.map((n, i) => {
      const sample = samples[i] ?? null;
      const interval = nodeInterval(n.node, n.previous, sample);
      if (sample) {
        n.previous = sample;
        n.last = interval;
        addDeltas(n.delta, interval.delta);
        if (interval.reset) n.restarts++;
        n.recvQueueAvgMax = Math.max(n.recvQueueAvgMax, interval.gauges.wsrep_local_recv_queue_avg ?? 0);
      }
      return interval;
    });
    const cluster = clusterInterval(intervals, this.standalone);
    this.track(cluster);
    return cluster;
  }

  private track(cluster: ClusterInterval): void {
    const now = new Date();
    if (cluster.degraded) {
      this.degradedSince ??= { at: now, why: [] };
      for (const reason of (cluster.why ?? '').split(', ')) if (reason && !this.degradedSince.why.includes(reason)) this.degradedSince.why.push(reason);
    } else if (this.degradedSince) {
      const { at, why } = this.degradedSince;
      this.degraded.push({ from: at.toISOString(), to: now.toISOString(), seconds: Math.round((now.getTime() - at.getTime()) / 100) / 10, why: why.join(', ') });
      this.degradedSince = null;
    }
  }

  /**
   * After the run: each node's counters once it has applied every write of the run (the caller
   * reads them with a causal wait), added to its totals, so that a node's Com_insert counts every
   * insert of the run even when it lagged at the last tick. Returns each node's catch-up.
   */
  settle(samples: Array<StatusSample | null>): Record<string, number> {
    const caughtUp: Record<string, number> = {};
    this.nodes.forEach((n, i) => {
      const sample = samples[i];
      if (!sample || !n.previous) return;
      const interval = nodeInterval(n.node, n.previous, sample);
      addDeltas(n.delta, interval.delta);
      n.previous = sample;
      caughtUp[n.node] = interval.delta.Com_insert ?? 0;
    });
    return caughtUp;
  }

  /** The node figures of summary.cluster (conflicts and accounting are added by the run). */
  summary(retryAutocommit: Array<number | null>): Omit<ClusterSummary, 'conflicts' | 'accounting'> {
    const totals: Record<string, number> = {};
    for (const n of this.nodes) addDeltas(totals, n.delta);
    const degraded = [...this.degraded];
    if (this.degradedSince) degraded.push({ from: this.degradedSince.at.toISOString(), to: null, seconds: null, why: this.degradedSince.why.join(', ') });
    const open = this.degradedSince ? (Date.now() - this.degradedSince.at.getTime()) / 1000 : 0;
    return {
      nodes: this.nodes.map((n, i) => ({
        node: n.node,
        delta: n.delta,
        gauges: n.last?.gauges ?? {},
        recvQueueAvgMax: n.recvQueueAvgMax,
        clusterStatus: n.last?.clusterStatus ?? null,
        state: n.last?.state ?? null,
        restarts: n.restarts,
        retryAutocommit: retryAutocommit[i] ?? null,
      })),
      totals,
      degraded,
      degradedSec: Math.round((this.degraded.reduce((sum, w) => sum + (w.seconds ?? 0), 0) + open) * 10) / 10,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.sampler.close()));
  }
}
