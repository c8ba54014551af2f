/** What the sysbench comparison measures: its options, each run, the comparison per setting. */
import type { ChildProcess } from 'node:child_process';
import type mysql from 'mysql2/promise';
import type { DriverName } from '../../src/config/connection.js';

/**
 * insert: insert-features against sysbench's insert_features.lua, per innodb_flush_log_at_trx_commit.
 * read: read-member-features against sysbench's read_member_features.lua and a bare loop of each driver.
 */
export type Mode = 'insert' | 'read';

/** One client of the comparison. */
export type Client = { kind: 'sysbench' } | { kind: 'innobench'; driver: DriverName; threads: number } | { kind: 'bare'; driver: DriverName; threads: number };

export interface Options {
  mode: Mode;
  workers: number;
  durationSec: number;
  pairs: number;
  /** innodb_flush_log_at_trx_commit values (insert mode). */
  trxCommitValues: string[];
  drivers: DriverName[];
  /** innobench's (and the bare loops') thread counts (read mode; insert mode uses innobench's default). */
  threads: number[];
  flag: string;
  host: string;
  port: number;
  database: string;
  groups: number;
  members: number;
  images: number;
}

/** What a client says about its own run: operations (inserts or reads), per second, p95. */
export interface ClientReport {
  operations: number;
  perSec: number;
  p95Ms: number;
}

/** Counters read when the measured window opens and when it closes. */
export interface Snapshot {
  /** The server's count of the measured statements (Com_insert, or Com_stmt_execute for reads). */
  counted: number;
  serverCpuSec: number | null;
  clientCpuSec: number;
  /** CPU time every process on the machine has used, from /proc/stat. */
  machineCpuSec: number;
  atMs: number;
}

/** Which run this is. */
export interface RunLabel {
  client: Client;
  /** The innodb_flush_log_at_trx_commit value in force (insert mode), '-' for reads. */
  setting: string;
  pair: number;
}

export interface RunResult extends RunLabel, ClientReport {
  /** The client's name as printed (sysbench, innobench mariadb ×2, bare mysql2 …). */
  name: string;
  countedInWindow: number;
  clientCpuSec: number;
  serverCpuSec: number | null;
  clientCpuSecPer1000: number;
  serverCpuSecPer1000: number | null;
  /** The server's count and the client's disagree: another client was busy, or operations failed. */
  countMismatch: boolean;
  /**
   * CPU used by everything but this client and the server, as a share of the machine over the
   * window: on a shared machine, what else competed for the cores. Null for a remote server.
   */
  othersCpuPercent: number | null;
}

/** One client against a reference client (sysbench, or the bare loop of the same driver). */
export interface Comparison {
  setting: string;
  client: string;
  reference: string;
  /** The client's mean divided by the reference's mean, over the pairs. */
  perSecRatio: number;
  clientCpuRatio: number;
  serverCpuRatio: number | null;
  throughputTarget: number | null;
  throughputMet: boolean | null;
  clientCpuTarget: number | null;
  clientCpuMet: boolean | null;
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
