/** What the sysbench comparison measures: its options, each run, the comparison per setting. */
import type { ChildProcess } from 'node:child_process';
import type mysql from 'mysql2/promise';

export type Client = 'sysbench' | 'innobench';

export interface Options {
  workers: number;
  durationSec: number;
  pairs: number;
  trxCommitValues: string[];
  flag: string;
  host: string;
  port: number;
  database: string;
  groups: number;
  members: number;
  images: number;
}

/** What a client says about its own run. */
export interface ClientReport {
  inserts: number;
  insertsPerSec: number;
  p95Ms: number;
}

/** Counters read when the measured window opens and when it closes. */
export interface Snapshot {
  comInsert: number;
  serverCpuSec: number | null;
  clientCpuSec: number;
  /** CPU time every process on the machine has used, from /proc/stat. */
  machineCpuSec: number;
  atMs: number;
}

/** Which run this is. */
export interface RunLabel {
  client: Client;
  trxCommit: string;
  pair: number;
}

export interface RunResult extends RunLabel, ClientReport {
  comInsertInWindow: number;
  clientCpuSec: number;
  serverCpuSec: number | null;
  clientCpuSecPer1000: number;
  serverCpuSecPer1000: number | null;
  /** Com_insert and the client's count disagree: another client was writing, or inserts failed. */
  countMismatch: boolean;
  /**
   * CPU used by everything but this client and the server, as a share of the machine over the
   * window: on a shared machine, what else competed for the cores. Null for a remote server.
   */
  othersCpuPercent: number | null;
}

export interface Comparison {
  trxCommit: string;
  /** innobench's mean divided by sysbench's mean, over the pairs. */
  insertsPerSecRatio: number;
  clientCpuPerInsertRatio: number;
  serverCpuPerInsertRatio: number | null;
  throughputTarget: number | null;
  throughputMet: boolean | null;
  clientCpuTarget: number;
  clientCpuMet: boolean;
}

/** What the runs share: the control connection, where CPU is read, and the client running now. */
export interface Session {
  control: mysql.Connection;
  serverPid: number | null;
  clockTicksPerSec: number;
  scratchDir: string;
  /** /usr/bin/time wrapping the client that runs now, so that a signal can stop the client. */
  current: ChildProcess | null;
  interrupted: boolean;
}
