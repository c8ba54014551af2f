/**
 * The server's side of every interval record, behind one object: the status sampler (counter
 * deltas, outages) and, on a cluster (--hosts), every node's figures. The run asks it for a
 * baseline as the load starts, a sample per tick, and after the load the figures the server
 * moved on by and its part of the summary; it never asks which servers are behind it.
 */
import type { ConnectionOptions } from '../config/connection.js';
import type { PromiseConnection } from '../db/connect.js';
import type { ClusterInterval } from '../metrics/clusterStatus.js';
import { statusDelta, type StatusDelta, type StatusSample } from '../metrics/serverStatus.js';
import { StatusSampler, type Outage } from '../metrics/statusSampler.js';
import type { Summary } from '../results/types.js';
import { ClusterRun } from './clusterRun.js';

/** What the server side adds to one interval record. */
export interface ServerFigures {
  status?: StatusDelta;
  cluster?: ClusterInterval;
}

export class ServerSamplers {
  private readonly status: StatusSampler;
  private readonly cluster: ClusterRun | null;
  private previous: StatusSample | null = null;

  constructor(
    private readonly connection: ConnectionOptions,
    log: (line: string) => void,
  ) {
    this.status = new StatusSampler(connection, log);
    this.cluster = ClusterRun.forRun(connection, log);
  }

  /** Reads on this connection see every write the cluster committed before (a no-op on one server). */
  static syncReads(connection: ConnectionOptions, control: PromiseConnection): Promise<void> {
    return ClusterRun.syncReads(connection, control);
  }

  get outages(): Outage[] {
    return this.status.outages;
  }

  async open(): Promise<void> {
    await this.status.open();
    await this.cluster?.open();
  }

  /** The sample the first interval is measured from, taken just before the load starts. */
  async begin(): Promise<void> {
    this.previous = await this.status.sample();
  }

  /** This interval's server figures (no status while the server cannot be reached). */
  async sample(): Promise<ServerFigures> {
    const sample = await this.status.sample();
    const cluster = await this.cluster?.sample();
    const status = sample && this.previous ? statusDelta(this.previous, sample) : undefined;
    if (sample) this.previous = sample;
    return { ...(status ? { status } : {}), ...(cluster ? { cluster } : {}) };
  }

  async close(): Promise<void> {
    await this.status.close();
    await this.cluster?.close();
  }

  /**
   * After the load, on `checker`: the counters that moved on after the last sample while a
   * cluster's first node applied the others' writes (empty on one server), to be added to the
   * run's server figures. Reads on `checker` then see the whole cluster's rows.
   */
  async catchUp(checker: PromiseConnection): Promise<Record<string, number>> {
    await ServerSamplers.syncReads(this.connection, checker);
    return this.cluster ? this.cluster.catchUp(this.status.last) : {};
  }

  /** A cluster's per-node figures, conflicts and rows on every node, into the summary (nothing on one server). */
  async summarize(summary: Summary, accountingTables: string[] | undefined): Promise<void> {
    if (this.cluster) summary.cluster = await this.cluster.summarize(summary, accountingTables);
  }
}
