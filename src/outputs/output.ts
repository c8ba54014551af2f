/**
 * Where a run's figures go. The run calls every output when the load starts, once per interval (on the
 * main thread, between ticks: the load threads never wait for an output) and at its end; it never
 * knows which outputs exist, and an output never reaches into the run. A new output is one file
 * implementing this interface and one line in `registry.ts`.
 */
import type { IntervalStats, MergedInterval } from '../metrics/intervalStats.js';
import type { RunFile } from '../results/types.js';

export interface RunStart {
  /** run.json as first written (state "running", no summary yet). */
  run: RunFile;
  /** The run folder. */
  dir: string;
  /** When the load started (ms since the epoch): the measured window's origin. */
  startedAtMs: number;
}

export interface IntervalRecord {
  stats: IntervalStats;
  /** The interval's histograms per op type: read them, do not keep them. */
  merged: MergedInterval;
  /** run.json with the figures so far. */
  run: RunFile;
}

export interface Output {
  /** As the user would name it (`json=out.ndjson`), for messages. */
  readonly description: string;
  start(start: RunStart): void | Promise<void>;
  interval(record: IntervalRecord): void;
  /** The run is over (`run` is final, or null when it never started): flush and close. */
  end(run: RunFile | null): Promise<void>;
}

/** The labels every output adds: the run's own and the user's `--tag key=value`. */
export function runLabels(run: RunFile): Record<string, string> {
  const shard = shardLabel(run.config.shard);
  return {
    run_id: run.runId,
    scenario: run.scenario,
    driver: run.environment.driver?.name ?? 'unknown',
    ...(shard ? { shard } : {}),
    ...(run.tags ?? {}),
  };
}

/** "i/N" of the `{ index, of }` (0-based) a sharded run records in its config. */
function shardLabel(shard: unknown): string | null {
  if (typeof shard !== 'object' || shard === null || !('index' in shard) || !('of' in shard)) return null;
  return typeof shard.index === 'number' && typeof shard.of === 'number' ? `${shard.index + 1}/${shard.of}` : null;
}
