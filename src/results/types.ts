/**
 * The documented shape of a run folder's `run.json`. Later tooling (compare, gate, report, merge)
 * reads only this shape, so fields are added, never renamed or removed.
 */
import type { LatencySummaryMs } from '../metrics/histogram.js';
import type { OpCounts } from '../metrics/opMeters.js';
import type { ServerSnapshot } from '../db/serverSnapshot.js';
import type { ClusterSummary } from '../metrics/clusterStatus.js';
import type { MachineNoiseSummary } from '../metrics/machineNoise.js';

// Defined where they are measured; part of run.json's documented shape all the same.
export type { ClusterSummary, LatencySummaryMs, MachineNoiseSummary, OpCounts, ServerSnapshot };


export interface OpSummary extends OpCounts {
  opsPerSec: number;
  latencyMs: LatencySummaryMs;
}

export interface Summary extends OpSummary {
  /** Seconds from the first operation to the end of the measured window. */
  elapsedSec: number;
  /** When the status sampler could not reach the server (to: null = still unreachable at the end). */
  serverOutages?: Array<{ from: string; to: string | null; seconds: number | null }>;
  /** CPU seconds (user + system, all threads) this process spent in the measured window. */
  clientCpuSec?: number;
  /** Why the run ended: its duration elapsed, the work ran out, SIGINT, or a fatal error. */
  endReason: 'duration' | 'work-done' | 'interrupted' | 'error';
  /** Per operation type ("insert", "delete-insert", ...). */
  byOp: Record<string, OpSummary>;
  accounting?: Accounting;
  /** The scenario's after-run check (nothing lost, nothing duplicated), when it has one. */
  verification?: { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
  /** Deadlocks seen by the capture, beside the server's own counter. */
  deadlockCapture?: DeadlockCaptureSummary;
  /** A run against a cluster (--hosts): per-node figures, conflicts, degraded time, rows on every node. */
  cluster?: ClusterSummary;
  /** `--switchback`: the setting flipped every slot, and B's effect against A from the slots' pairs. */
  switchback?: SwitchbackRecord;
  /** What else the machine innobench ran on was doing over the window, and the intervals it disturbed. */
  machine?: MachineNoiseSummary;
}

export interface SwitchbackRecord {
  setting: string;
  /** [A, B] as given. */
  labels: string[];
  slotSec: number;
  /** Seconds dropped at the start of every slot (the settling after a change). */
  dropSec: number;
  seed: number;
  /** Pairs of adjacent A/B slots the effect comes from. */
  pairs: number;
  /** 100 · (B/A − 1) from the pairs' mean log-ratio. */
  changePct: number;
  /** 95 % interval of the change; null with fewer than 2 pairs. */
  ciPct: { lo: number; hi: number } | null;
  significant: boolean;
  /** The smallest effect these pairs could detect (5 % two-sided, 80 % power). */
  detectablePct: number | null;
  /** The effect over the first and second halves of the slots; memory: it grew within a slot. */
  carryOver: { firstHalfPct: number; secondHalfPct: number; memory: boolean } | null;
  /** Pairs with an interval the machine was disturbed in, and the effect over the other pairs alone. */
  disturbedPairs: number;
  quietEffect: { changePct: number; ciPct: { lo: number; hi: number } | null; pairs: number } | null;
  flips: number;
  /** The slowest SET GLOBAL: a change that blocks the server shows here. */
  slowestFlipMs: number;
  text: string;
}

export interface DeadlockCaptureSummary {
  /** Distinct deadlocks captured, by where they were read. */
  captured: number;
  fromInnodbStatus: number;
  fromErrorLog: number;
  /** The server's Innodb_deadlocks delta (MySQL: Innodb_deadlocks too, where it exists). */
  serverCounter: number | null;
  /** Deadlocks the server counted that no source captured. */
  missed: number | null;
  /** Distinct shapes with counts, most frequent first. */
  shapes: Array<{ shape: string; count: number }>;
  notes: string[];
}

/** Rows the harness wrote vs what the server counted vs what the table holds. */
export interface Accounting {
  harnessRows: number;
  comInsertDelta: number;
  tableRowsBefore: number;
  tableRowsAfter: number;
  tableRowsDelta: number;
  ok: boolean;
  note: string;
  /** Whose rows: a shard's ("shard 2/3", checked only not to exceed the table's gain) or a merged set's; absent for a whole run. */
  scope?: string;
}

/** Times are the target server's clock (each shard corrects its own by the offset it measured). */
export interface RendezvousRecord {
  setId: string;
  of: number;
  /** This run's shard (0-based); absent in a merged run. */
  shard?: number;
  /** The start time the last ready shard fixed. */
  startAt?: string | null;
  clockOffsetMs?: number;
  rttMs?: number;
  waitedMs?: number;
  /** Latest minus earliest shard start, ms; null while a shard's start is unknown. */
  skewMs: number | null;
  shards: Array<{ shard: number; host: string; startedAt: string | null; endedAt: string | null }>;
}

export interface StatusSection {
  /** Counter deltas over the whole measured window. */
  delta: Record<string, number>;
  /** Per-second rates of the same counters. */
  rate: Record<string, number>;
  /** Gauges (Threads_connected, Threads_running) at the last sample. */
  gauges: Record<string, number>;
  /** Counter resets (the server restarted: Uptime went down) seen during the run. */
  resets: number;
}

export interface RunFile {
  /** Shape version of this file. */
  format: 1;
  runId: string;
  scenario: string;
  state: 'running' | 'completed' | 'interrupted' | 'failed';
  startedAt: string;
  endedAt?: string;
  /** Every option the run was given, with secrets removed. */
  config: Record<string, unknown>;
  environment: {
    node: string;
    platform: string;
    cpus: number;
    hostname: string;
    innobench: string;
    /** The load threads' driver and its version (absent in runs from before --driver). */
    driver?: { name: string; version: string };
  };
  server: ServerSnapshot;
  /** The user's labels (`--tag key=value`), carried by every output and the report. */
  tags?: Record<string, string>;
  /** The figures so far while running; the final figures once `state` is no longer `running`. */
  summary?: Summary;
  status?: StatusSection;
  /** Shards started together (--shard auto/N, --rendezvous): every shard's start and end, the skew. */
  rendezvous?: RendezvousRecord;
  /** What each diagnostic hook (slow log, stage profile, status capture …) reported. */
  diagnostics?: Record<string, unknown>;
  error?: string;
}

/** One server variable as a matrix set it for a run (written into run.json by `innobench matrix`). */
export interface AppliedSetting {
  name: string;
  /** As the user wrote it: "48M", "2", "O_DIRECT". */
  requested: string;
  /** What was sent to the server (bytes for sizes). */
  value: string | number;
  /** SHOW GLOBAL VARIABLES after applying, before measuring. */
  inEffect: string;
  /** How it was applied: already in effect, SET GLOBAL, an option-file drop-in and a restart, or the user's apply command (an external setting). */
  method: 'unchanged' | 'set-global' | 'restart' | 'command';
  /** How the in-effect value was judged equal to the requested one. */
  match: string;
}

/** The top-level `settings` object a matrix adds to each of its runs' run.json. */
export interface RunSettingsRecord {
  matrixId: string;
  label: string;
  combination: Record<string, string>;
  repeat: number;
  applied: AppliedSetting[];
  verifiedAt: string;
  /** The interleaved block the run belongs to (blocks order: A B B A per block). */
  block?: number;
  /** CPU seconds the local server process spent during the run (/proc), when the matrix could read it. */
  serverCpuSec?: number;
}

/** run.json as read back: the documented shape plus what later tools add. */
export type StoredRun = RunFile & { settings?: RunSettingsRecord };
