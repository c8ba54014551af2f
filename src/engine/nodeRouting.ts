/**
 * Which node of a cluster (--hosts) each worker of a load thread talks to: worker w starts on node
 * w mod N (round-robin, so N nodes share the workers within one), and a worker whose connection
 * is lost reconnects to the next node, then the next, so the workers of a node that died go on
 * on the others. With one server this is just the run's one connection.
 *
 * On a cluster each operation is also counted under its node (`part:node host:port`): attempts,
 * successes with their latency, rows, and errno 1213 split into those at COMMIT (Galera conflicts
 * for certain) and the rest. The worker loop's own counting is unchanged.
 */
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from '../config/connection.js';
import { nodeConnections } from '../config/connection.js';
import { nodeLabel } from '../config/hosts.js';
import { connectWorker } from '../db/drivers/index.js';
import type { WorkerConnection } from '../db/workerConnection.js';
import { classifyError, isCommitConflict } from '../db/errors.js';
import { COMMIT_CONFLICT, nodePart } from '../metrics/clusterStatus.js';
import type { OpMeters } from '../metrics/opMeters.js';
import type { Operations } from './scenario.js';

export class NodeRouter {
  private readonly nodes: ConnectionOptions[];
  private readonly labels: string[];
  /** Each worker's node index now. */
  private readonly at = new Map<number, number>();

  constructor(connection: ConnectionOptions) {
    this.nodes = nodeConnections(connection);
    this.labels = this.nodes.map(nodeLabel);
    this.clustered = connection.hosts !== undefined;
  }

  readonly clustered: boolean;

  connect(workerId: number): Promise<WorkerConnection> {
    this.at.set(workerId, workerId % this.nodes.length);
    return connectWorker(this.nodes[workerId % this.nodes.length]!);
  }

  /** A new connection after one was lost: on the next node (the same one when there is one). */
  reconnect(workerId: number): Promise<WorkerConnection> {
    const next = ((this.at.get(workerId) ?? workerId) + 1) % this.nodes.length;
    this.at.set(workerId, next);
    return connectWorker(this.nodes[next]!);
  }

  nodeOf(workerId: number): string {
    return this.labels[this.at.get(workerId) ?? workerId % this.nodes.length]!;
  }

  /** The scenario's operations, also counted under the worker's node (a cluster), or as they are. */
  metered<S, I>(operations: Operations<S, I>, meters: OpMeters, workerId: number): Operations<S, I> {
    if (!this.clustered) return operations;
    return {
      next: (state) => operations.next(state),
      execute: (state, connection, item, done) => {
        const meter = meters.meter(nodePart(this.nodeOf(workerId)));
        const startedAt = performance.now();
        meter.counts.attempts++;
        operations.execute(state, connection, item, (error, outcome) => {
          const counts = meter.counts;
          if (!error) {
            meters.record(meter, (performance.now() - startedAt) * 1000);
            counts.ops++;
            if (outcome) {
              counts.rows += outcome.rows;
              if (outcome.committed) counts.commits++;
            }
          } else if (classifyError(error) === 'deadlock') {
            counts.deadlocks++;
            if (isCommitConflict(error)) counts.errorsByCode[COMMIT_CONFLICT] = (counts.errorsByCode[COMMIT_CONFLICT] ?? 0) + 1;
          } else counts.errors++;
          done(error, outcome);
        });
      },
    };
  }
}
