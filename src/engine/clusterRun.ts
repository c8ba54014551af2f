/**
 * A run against a cluster (--hosts), beside the orchestrator's usual single-server sampling
 * (which stays on the first node, the control node): a sampler per node, the wsrep_retry_autocommit
 * each node had, and after the run the conflict split and the row count on every node.
 */
import type { ConnectionOptions } from '../config/connection.js';
import { nodeConnections } from '../config/connection.js';
import { nodeLabel } from '../config/hosts.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import { quoteIdent } from '../db/identifiers.js';
import { ClusterSampler } from '../metrics/clusterSampler.js';
import { sampleStatus, statusDelta, type StatusSample } from '../metrics/serverStatus.js';
import { COMMIT_CONFLICT, nodeOfPart, type ClusterInterval, type ClusterSummary } from '../metrics/clusterStatus.js';
import type { Summary } from '../results/types.js';
import { conflictAccounting } from '../analysis/accounting/clusterConflicts.js';
import { clusterAccounting } from '../analysis/accounting/clusterAccounting.js';

/** How long the after-run count waits for a node that is still joining (it answers only once Synced). */
const COUNT_PATIENCE_MS = 60_000;

export class ClusterRun {
  private readonly sampler: ClusterSampler;
  private retryAutocommit: Array<number | null> = [];

  /** A ClusterRun when the run was given --hosts, else null. */
  static forRun(connection: ConnectionOptions, log: (line: string) => void): ClusterRun | null {
    return connection.hosts ? new ClusterRun(connection, log) : null;
  }

  private constructor(
    private readonly connection: ConnectionOptions,
    private readonly log: (line: string) => void,
  ) {
    this.sampler = new ClusterSampler(connection, log);
  }

  /**
   * Reads on this control connection first wait until the node has applied every write the
   * cluster committed before (wsrep_sync_wait): row counts then see the whole cluster's rows.
   */
  static async syncReads(connection: ConnectionOptions, control: PromiseConnection): Promise<void> {
    if (connection.hosts) await causalReads(control);
  }

  /**
   * The first node's counters move on after the run's last sample while it applies the writes
   * the others replicated: what they moved by until it caught up (a causal read waits for that),
   * to be added to the run's server figures so that its Com_insert counts every insert of the run.
   */
  async catchUp(last: StatusSample | null): Promise<Record<string, number>> {
    if (!last) return {};
    const delta = statusDelta(last, await causalSample(nodeConnections(this.connection)[0]!));
    if (delta.delta.Com_insert) this.log(`node ${nodeLabel(this.connection)}: applied ${delta.delta.Com_insert} more inserts after the last sample, while replication caught up: counted in the run's server figures`);
    return delta.delta;
  }

  async open(): Promise<void> {
    const settings = await Promise.all(
      nodeConnections(this.connection).map(async (node) => {
        try {
          const control = await connectControl(node);
          try {
            const [rows] = await control.query('SELECT @@GLOBAL.wsrep_retry_autocommit AS r, @@GLOBAL.wsrep_on AS w');
            const row = (rows as Array<{ r: number; w: number }>)[0];
            return { node: nodeLabel(node), retry: Number(row?.r), galera: Number(row?.w) === 1 };
          } finally {
            await control.end().catch(() => undefined);
          }
        } catch {
          // Down at the start, or a server without wsrep variables (not MariaDB): no Galera figures.
          return { node: nodeLabel(node), retry: null, galera: false };
        }
      }),
    );
    this.retryAutocommit = settings.map((s) => s.retry);
    this.sampler.standalone = new Set(settings.filter((s) => !s.galera).map((s) => s.node));
    for (const node of this.sampler.standalone) this.log(`node ${node}: not a Galera node (wsrep_on OFF or unreachable at the start): only whether it answers is watched`);
    await this.sampler.open();
  }

  sample(): Promise<ClusterInterval> {
    return this.sampler.sample();
  }

  close(): Promise<void> {
    return this.sampler.close();
  }

  /** summary.cluster: node figures, the conflict split, and (when the run wrote) the rows on every node. */
  async summarize(summary: Summary, accountingTables: string[] | undefined): Promise<ClusterSummary> {
    const settled = await Promise.all(nodeConnections(this.connection).map((node) => causalSample(node).catch(() => null)));
    const caughtUp = Object.entries(this.sampler.settle(settled)).filter(([, n]) => n > 0);
    if (caughtUp.length) this.log(`inserts the nodes applied after the last tick, until replication caught up (in their Com_insert): ${caughtUp.map(([node, n]) => `${node} +${n}`).join(', ')}`);
    const nodes = this.sampler.summary(this.retryAutocommit);
    const atCommit = Object.entries(summary.byOp)
      .filter(([op]) => nodeOfPart(op) !== null)
      .reduce((sum, [, o]) => sum + (o.errorsByCode[COMMIT_CONFLICT] ?? 0), 0);
    const t = nodes.totals;
    const conflicts = conflictAccounting({
      harness1213: summary.deadlocks,
      atCommit,
      innodbDeadlocks: t.Innodb_deadlocks ?? 0,
      certFailures: t.wsrep_local_cert_failures ?? 0,
      bfAborts: t.wsrep_local_bf_aborts ?? 0,
      replays: t.wsrep_local_replays ?? 0,
      retryAutocommit: this.retryAutocommit.filter((r): r is number => r !== null),
    });
    const result: ClusterSummary = { ...nodes, conflicts };
    const accounting = summary.accounting;
    if (accountingTables && accounting) {
      const rowsByNode = await this.countOnEveryNode(accountingTables);
      result.accounting = clusterAccounting(accounting.harnessRows, accounting.tableRowsDelta, accounting.tableRowsBefore, rowsByNode);
    }
    return result;
  }

  /**
   * The tables' rows on each node, read with wsrep_sync_wait = 1: the node first applies every
   * write the cluster committed before the read. A node still joining is waited for a while.
   */
  private async countOnEveryNode(tables: string[]): Promise<Record<string, number | null>> {
    const counts: Record<string, number | null> = {};
    await Promise.all(
      nodeConnections(this.connection).map(async (node) => {
        const label = nodeLabel(node);
        const deadline = Date.now() + COUNT_PATIENCE_MS;
        for (;;) {
          try {
            counts[label] = await countRows(node, tables);
            return;
          } catch (error) {
            if (Date.now() > deadline) {
              this.log(`node ${label}: rows not counted: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
              counts[label] = null;
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
      }),
    );
    return counts;
  }
}

const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

/**
 * Reads on this connection wait until the node has applied every write committed before them
 * (wsrep_sync_wait). Nodes that are not Galera (no such variable) have nothing to wait for.
 */
async function causalReads(control: PromiseConnection): Promise<void> {
  try {
    await control.query('SET SESSION wsrep_sync_wait = 1');
  } catch (error) {
    if ((error as { errno?: number }).errno !== ER_UNKNOWN_SYSTEM_VARIABLE) throw error;
  }
}

/** A node's status once it has applied every write committed before (a causal read first). */
async function causalSample(node: ConnectionOptions): Promise<StatusSample> {
  const control = await connectControl(node);
  try {
    await causalReads(control);
    await control.query('SELECT 1');
    return await sampleStatus(control);
  } finally {
    await control.end().catch(() => undefined);
  }
}

async function countRows(node: ConnectionOptions, tables: string[]): Promise<number> {
  const control = await connectControl(node);
  try {
    await causalReads(control);
    let total = 0;
    for (const table of tables) {
      const [rows] = await control.query(`SELECT COUNT(*) AS n FROM ${quoteIdent(table)}`);
      total += Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
    }
    return total;
  } finally {
    await control.end().catch(() => undefined);
  }
}
