/**
 * When each shard of a set ran, for merge: the rendezvous' start and end on the server's clock
 * when the shards met there, else the run's own start and end (each host's clock). Shards that did
 * not run at the same time measured different loads, and their sum is no one load. Pure.
 */
import type { RendezvousRecord, RunFile } from './types.js';

export interface ShardWindow {
  runId: string;
  shard: number;
  host: string;
  startMs: number;
  endMs: number;
  /** Whether the times are the server's clock (a rendezvous) or the host's own. */
  serverClock: boolean;
}

/** A shard's window, or null when the run does not say when it ran. */
export function shardWindow(run: RunFile, shard: number): ShardWindow | null {
  const own = run.rendezvous?.shards.find((s) => s.shard === shard);
  if (own?.startedAt && own.endedAt) {
    return { runId: run.runId, shard, host: own.host, startMs: Date.parse(own.startedAt), endMs: Date.parse(own.endedAt), serverClock: true };
  }
  const startMs = Date.parse(run.startedAt);
  const endMs = run.endedAt ? Date.parse(run.endedAt) : startMs + (run.summary?.elapsedSec ?? 0) * 1000;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) return null;
  return { runId: run.runId, shard, host: run.environment.hostname, startMs, endMs, serverClock: false };
}

/** At least this share of the shortest shard's time must be common to all shards. */
const MIN_OVERLAP = 0.5;

/** Why the windows do not overlap enough, or null when they do. */
export function overlapProblem(windows: ShardWindow[]): string | null {
  if (windows.length < 2) return null;
  const commonMs = Math.min(...windows.map((w) => w.endMs)) - Math.max(...windows.map((w) => w.startMs));
  const shortestMs = Math.min(...windows.map((w) => w.endMs - w.startMs));
  if (commonMs >= MIN_OVERLAP * shortestMs && commonMs > 0) return null;
  const spans = windows.map((w) => `${w.shard + 1}/${windows.length} ${new Date(w.startMs).toISOString()}–${new Date(w.endMs).toISOString()}`).join(', ');
  return `the shards did not run at the same time: ${commonMs > 0 ? `${(commonMs / 1000).toFixed(1)} s in common` : 'no time in common'}, less than half the shortest shard's ${(shortestMs / 1000).toFixed(1)} s (${spans}); start them together (--shard auto/N or --rendezvous)`;
}

/** The merged run's record of its shards: each one's start and end, and the start skew. */
export function mergedShardRecord(windows: ShardWindow[], setId: string): RendezvousRecord {
  const starts = windows.map((w) => w.startMs);
  return {
    setId,
    of: windows.length,
    skewMs: Math.round((Math.max(...starts) - Math.min(...starts)) * 10) / 10,
    shards: [...windows].sort((a, b) => a.shard - b.shard).map((w) => ({ shard: w.shard, host: w.host, startedAt: new Date(w.startMs).toISOString(), endedAt: new Date(w.endMs).toISOString() })),
  };
}

/** The config every shard must share: everything but its index. */
export function sharedConfig(run: RunFile): string {
  const { shard: _shard, ...rest } = run.config;
  return canonical(rest);
}

/** JSON with object keys sorted at every level, so that key order never makes two configs differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
