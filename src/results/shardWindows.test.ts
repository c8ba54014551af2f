import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergedShardRecord, overlapProblem, sharedConfig, shardWindow, type ShardWindow } from './shardWindows.js';
import type { RunFile } from './types.js';

function run(startedAt: string, endedAt: string | undefined, config: Record<string, unknown> = { shard: { index: 0, of: 2 } }): RunFile {
  return {
    format: 1,
    runId: 'r',
    scenario: 'insert-features',
    state: 'completed',
    startedAt,
    ...(endedAt ? { endedAt } : {}),
    config,
    environment: { node: 'v20', platform: 'linux', cpus: 2, hostname: 'h', innobench: '0' },
    server: { version: '10.11', flavour: 'MariaDB', variables: {} },
  };
}

const w = (shard: number, startMs: number, endMs: number): ShardWindow => ({ runId: `r${shard}`, shard, host: `h${shard}`, startMs, endMs, serverClock: true });

test('a shard window: the rendezvous times (server clock) first, else the run\'s own', () => {
  const plain = shardWindow(run('2026-11-30T00:00:00.000Z', '2026-11-30T00:00:10.000Z'), 0)!;
  assert.deepEqual([plain.startMs, plain.endMs - plain.startMs, plain.serverClock], [Date.parse('2026-11-30T00:00:00.000Z'), 10_000, false]);
  const met = run('2026-11-30T00:00:00.000Z', '2026-11-30T00:00:10.000Z');
  met.rendezvous = { setId: 's', of: 2, skewMs: 1, shards: [{ shard: 0, host: 'a', startedAt: '2026-11-30T00:00:01.000Z', endedAt: '2026-11-30T00:00:06.000Z' }] };
  const fromServer = shardWindow(met, 0)!;
  assert.deepEqual([fromServer.endMs - fromServer.startMs, fromServer.host, fromServer.serverClock], [5000, 'a', true]);
});

test('shards that ran at the same time pass; ones that did not are refused with their times', () => {
  assert.equal(overlapProblem([w(0, 0, 10_000), w(1, 30, 10_020)]), null);
  const apart = overlapProblem([w(0, 0, 10_000), w(1, 20_000, 30_000)]);
  assert.match(apart ?? '', /^the shards did not run at the same time: no time in common, less than half the shortest shard's 10\.0 s \(1\/2 1970-01-01T00:00:00\.000Z–1970-01-01T00:00:10\.000Z, 2\/2 /);
  assert.match(overlapProblem([w(0, 0, 10_000), w(1, 7_000, 17_000)]) ?? '', /3\.0 s in common, less than half/);
});

test('the merged record: every shard\'s start and end, and the start skew', () => {
  const record = mergedShardRecord([w(1, 1_030, 11_000), w(0, 1_000, 11_000)], 'set');
  assert.equal(record.skewMs, 30);
  assert.deepEqual(record.shards.map((s) => s.shard), [0, 1]);
});

test('the shared config ignores the shard index and key order, not other options', () => {
  const a = run('x', undefined, { shard: { index: 0, of: 2 }, workers: 10, retry: { retries: 1, backoffMs: 2 } });
  const b = run('x', undefined, { retry: { backoffMs: 2, retries: 1 }, workers: 10, shard: { index: 1, of: 2 } });
  const c = run('x', undefined, { shard: { index: 1, of: 2 }, workers: 20, retry: { retries: 1, backoffMs: 2 } });
  assert.equal(sharedConfig(a), sharedConfig(b));
  assert.notEqual(sharedConfig(a), sharedConfig(c));
});
