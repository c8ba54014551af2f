/**
 * `innobench merge` as a user runs it, on shard folders the test writes: one result from a whole
 * shard set, and refusals (the same run twice, an incomplete set) that write nothing. A scenario
 * name read from run.json never becomes a path outside --results.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeHistogram, newHistogram, recordMicros } from '../metrics/histogram.js';
import { emptyCounts } from '../metrics/opMeters.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'ib-merge-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A shard's run folder: `ops` inserts of 1 ms each over 10 s. */
function writeShard(runId: string, index: number, of: number, ops: number, scenario = 'insert-features'): string {
  const dir = join(root, 'in', runId);
  mkdirSync(dir, { recursive: true });
  const counts = { ...emptyCounts(), ops, attempts: ops, commits: ops, rows: ops };
  const latencyMs = { p50: 1, p95: 1, p99: 1, max: 1, mean: 1 };
  const run = {
    format: 1,
    runId,
    scenario,
    state: 'completed',
    startedAt: '2026-11-30T00:00:00.000Z',
    config: { shard: { index, of }, intervalMs: 1000 },
    environment: { node: process.version, platform: 'test', cpus: 1, hostname: runId, innobench: 'test' },
    server: { version: '10.11', flavour: 'MariaDB', variables: {} },
    summary: { ...counts, opsPerSec: ops / 10, latencyMs, elapsedSec: 10, endReason: 'duration', byOp: { insert: { ...counts, opsPerSec: ops / 10, latencyMs } } },
    status: { delta: { Com_insert: 999 }, rate: {}, gauges: {}, resets: 0 },
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
  const histogram = newHistogram();
  for (let i = 0; i < ops; i++) recordMicros(histogram, 1000);
  writeFileSync(join(dir, 'histograms.jsonl'), JSON.stringify({ seq: 1, elapsedSec: 10, op: 'insert', histogram: encodeHistogram(histogram) }) + '\n');
  return dir;
}

function merge(results: string, ...dirs: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [MAIN, 'merge', ...dirs, '--results', results, '--json'], { encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

test('a whole shard set merges into one run under --results, operations summed', () => {
  const results = join(root, 'results-ok');
  const merged = merge(results, writeShard('s1', 0, 2, 300), writeShard('s2', 1, 2, 200));
  assert.equal(merged.code, 0, merged.stderr);
  const [folder, ...others] = readdirSync(results);
  assert.deepEqual(others, []);
  const run = JSON.parse(readFileSync(join(results, folder!, 'run.json'), 'utf8')) as { summary: { ops: number; opsPerSec: number }; config: { mergedFrom: string[] } };
  assert.equal(run.summary.ops, 500);
  assert.equal(run.summary.opsPerSec, 50);
  assert.deepEqual(run.config.mergedFrom, ['s1', 's2']);
});

test('the same run twice is refused (it doubled ops/s), and nothing is written', () => {
  const results = join(root, 'results-twice');
  const dir = writeShard('twice', 0, 1, 100);
  const refused = merge(results, dir, dir);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /run twice is given twice/);
  assert.equal(existsSync(results), false);
});

test('shards 1/3 and 2/3 are not a whole set: refused, naming the missing shard', () => {
  const results = join(root, 'results-partial');
  const refused = merge(results, writeShard('p1', 0, 3, 100), writeShard('p2', 1, 3, 100));
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /shards 3\/3 are missing/);
  assert.equal(existsSync(results), false);
});

test('a hostile scenario name in run.json stays a folder name inside --results', () => {
  const results = join(root, 'deep', 'er', 'results-hostile');
  const scenario = 'x/../../../escaped';
  const merged = merge(results, writeShard('h1', 0, 2, 10, scenario), writeShard('h2', 1, 2, 10, scenario));
  assert.equal(merged.code, 0, merged.stderr);
  const [folder, ...others] = readdirSync(results);
  assert.deepEqual(others, []);
  assert.match(folder!, /^\d{8}-\d{6}-x_escaped-merged-[a-z0-9]+$/);
  // Nothing outside --results but the shards the test wrote.
  const outside = filesUnder(root).filter((file) => !file.startsWith(`in/`) && !file.startsWith('results-') && !file.startsWith(join('deep', 'er', 'results-hostile')));
  assert.deepEqual(outside, []);
});
