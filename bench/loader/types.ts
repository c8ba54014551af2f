/** What the loader bench measures and reports: its options, each round, each comparison. */
import type { ConnectionOptions } from '../../src/config/connection.js';
import type { DesignName } from '../../src/schema/designs/design.js';
import type { Scale } from '../../src/data/hierarchy.js';

export interface Options {
  scale: Scale;
  design: DesignName;
  versions: number[];
  withFeatures: boolean;
  featureBytes: number;
  seed: number;
  loadConnections: number;
  seedScale: boolean;
  /** Split each table's file into files of about this many rows (one LOAD DATA each); 0: one file per table. */
  chunkRows: number;
  /** Each side loads this many times (alternating which goes first); the medians are compared. */
  rounds: number;
  verify: boolean;
  connection: ConnectionOptions;
}

export interface TableLoad {
  table: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  fileBytes: number;
  /** LOAD DATA statements (files) it took. */
  statements: number;
}

export interface Comparison {
  label: string;
  scale: Scale;
  design: DesignName;
  versions: number[];
  withFeatures: boolean;
  rows: number;
  /** Generating and writing the LOAD DATA files (untimed for the comparison). */
  fileWriteSeconds: number;
  fileBytes: number;
  /** Rows per LOAD DATA file (0: one file per table). */
  chunkRows: number;
  /** Medians over the rounds. */
  loaderRowsPerSec: number;
  loadDataRowsPerSec: number;
  /** loader rows/s ÷ LOAD DATA rows/s (medians). */
  ratio: number;
  /**
   * The loader generates its rows while it loads; LOAD DATA's were generated beforehand. Counting
   * the file writing in (generate + write + LOAD DATA), loader rows/s ÷ those rows/s (medians).
   */
  ratioWithFileWriting: number;
  target: number;
  meetsTarget: boolean;
  /** Same count and content fingerprint in every table of both databases, first round (null: --no-verify). */
  sameRows: boolean | null;
  fingerprints?: Array<{ table: string; loader: string; loadData: string }>;
  /** Another client was busy on the server, or this machine was loaded, when a timed phase started. */
  disturbed: boolean;
  rounds: Round[];
}

export interface Round {
  loader: { seconds: number; rows: number; rowsPerSec: number; connections: number; driver: { name: string; version: string } };
  loadData: { seconds: number; rows: number; rowsPerSec: number; tables: TableLoad[] };
  ratio: number;
  loadDataFirst: boolean;
  settle: Array<{ before: string } & Settle>;
}

/** The server's state when a timed phase starts. */
export interface Settle {
  waitedMs: number;
  dirtyPages: number;
  otherActiveSessions: number;
  /** 1-minute load average of this machine. */
  loadAverage: number;
}
