/**
 * One run, many outputs: `--out json=… --out csv=… --out influxdb=… --tag …` on one run, each
 * receiver's figures against run.json's: the NDJSON read by `jq` (one line per interval and op
 * type, one summary), the line-protocol points a plain HTTP receiver got (and, where Debian's
 * influxdb is installed, what a real InfluxDB 1.x stored), the CSV rows. And latency.hgrm counting
 * each operation once on a scenario that times `part:` statements inside its operations.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connectionArgs, createTestDatabase, describeResult, featureFileArgs, parseSimpleCsv, runCli, tempDir, type TestDatabase } from '../helpers.js';
import { influxdbMissing, startInfluxdb } from '../support/influxdb.js';
import type { RunFile } from '../../src/results/types.js';

let db: TestDatabase;
let dir: ReturnType<typeof tempDir>;

before(async () => {
  db = await createTestDatabase();
  dir = tempDir('ib-outputs-');
});
after(async () => {
  await db.drop();
  dir.remove();
});

/** An HTTP receiver that keeps every body and the query and headers it came with. */
async function receiver(): Promise<{ url: string; requests: Array<{ url: string; authorization?: string; body: string }>; server: Server }> {
  const requests: Array<{ url: string; authorization?: string; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

/** Line protocol → { tags, fields } per point (the test's own reader: a tag value may hold an escaped space, no escaped comma or '='). */
function points(text: string): Array<{ measurement: string; tags: Record<string, string>; fields: Record<string, number> }> {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [series, fieldText] = line.split(/(?<!\\) /) as [string, string, string];
      const [measurement, ...tagPairs] = series.split(',');
      const tags = Object.fromEntries(tagPairs.map((pair) => pair.split('=') as [string, string]));
      const fields = Object.fromEntries(fieldText.split(',').map((pair) => [pair.split('=')[0]!, Number(pair.split('=')[1]!.replace(/i$/, ''))]));
      return { measurement: measurement!, tags, fields };
    });
}

async function runWithOutputs(flag: string, scenario: string, extra: string[]): Promise<RunFile> {
  const prepared = await runCli(['prepare', scenario, '--flag', flag, '--groups', '3', '--members', '20', '--images', '2', ...featureFileArgs(), ...connectionArgs(db.name)]);
  assert.equal(prepared.code, 0, describeResult(prepared));
  const result = await runCli(['run', scenario, '--flag', flag, ...featureFileArgs(), ...connectionArgs(db.name), '--workers', '4', '--duration', '3s', '--interval', '1s', '--results', join(dir.path, 'results'), '--json', ...extra]);
  assert.equal(result.code, 0, describeResult(result));
  return JSON.parse(result.stdout) as RunFile;
}

test('--out json, csv and influxdb with --tag on one run: each receiver sums to run.json', async () => {
  const target = await receiver();
  const ndjson = join(dir.path, 'run.ndjson');
  const csv = join(dir.path, 'run.csv');
  try {
    const run = await runWithOutputs('outs', 'insert-features', ['--rate', '300/s', '--out', `json=${ndjson}`, '--out', `csv=${csv}`, '--out', `influxdb=${target.url.replace('http://', 'http://ib:s3cret@')}/benchdb`, '--tag', 'commit=abc', '--tag', 'host=box 1']);
    assert.ok(run.summary && run.summary.ops > 0);
    assert.deepEqual(run.tags, { commit: 'abc', host: 'box 1' });

    // NDJSON, read by jq: interval records × op types + 1 summary; the summary's ops are run.json's.
    const intervals = Number(execFileSync('jq', ['-s', '[.[] | select(.type == "interval") | .seq] | unique | length', ndjson], { encoding: 'utf8' }));
    const lines = readFileSync(ndjson, 'utf8').trim().split('\n');
    assert.equal(lines.length, intervals * Object.keys(run.summary!.byOp).length + 1);
    assert.equal(Number(execFileSync('jq', ['-s', '[.[] | select(.type == "interval") | .ops] | add', ndjson], { encoding: 'utf8' })), run.summary!.ops);
    const summary = JSON.parse(execFileSync('jq', ['-c', 'select(.type == "summary")', ndjson], { encoding: 'utf8' })) as { summary: { ops: number }; labels: Record<string, string> };
    assert.equal(summary.summary.ops, run.summary!.ops);
    assert.deepEqual(summary.labels, { run_id: run.runId, scenario: 'insert-features', driver: run.environment.driver!.name, commit: 'abc', host: 'box 1' });

    // InfluxDB line protocol: written to database benchdb in ms, credentials as basic auth; the points sum to run.json.
    assert.ok(target.requests.length > 0);
    assert.match(target.requests[0]!.url, /^\/write\?db=benchdb&precision=ms$/);
    assert.equal(target.requests[0]!.authorization, `Basic ${Buffer.from('ib:s3cret').toString('base64')}`);
    const received = target.requests.flatMap((request) => points(request.body));
    assert.equal(received.reduce((sum, point) => sum + point.fields.ops!, 0), run.summary!.ops);
    for (const point of received) assert.deepEqual({ ...point.tags, op: undefined }, { op: undefined, run_id: run.runId, scenario: 'insert-features', driver: run.environment.driver!.name, commit: 'abc', host: 'box\\ 1' });

    // CSV: the timeline's rows with the labels in front.
    const rows = parseSimpleCsv(readFileSync(csv, 'utf8')).rows;
    assert.equal(rows.length, intervals);
    assert.equal(rows.reduce((sum, row) => sum + Number(row.ops), 0), run.summary!.ops);
    assert.ok(rows.every((row) => row.commit === 'abc' && row.run_id === run.runId));
  } finally {
    target.server.close();
  }
});

test('a real InfluxDB 1.x stores the points: sum(ops) per op equals run.json', { skip: influxdbMissing() }, async () => {
  const influx = await startInfluxdb();
  try {
    await influx.query('', 'CREATE DATABASE innobench_test');
    const run = await runWithOutputs('influx', 'insert-features', ['--rate', '300/s', '--out', `influxdb=${influx.url}/innobench_test`, '--tag', 'commit=def']);
    const answer = (await influx.query('innobench_test', `SELECT sum(ops) FROM innobench_interval WHERE "commit" = 'def' GROUP BY op`)) as { results: Array<{ series?: Array<{ tags: { op: string }; values: Array<[string, number]> }> }> };
    const stored = Object.fromEntries((answer.results[0]?.series ?? []).map((series) => [series.tags.op, series.values[0]![1]]));
    assert.deepEqual(stored, Object.fromEntries(Object.entries(run.summary!.byOp).map(([op, o]) => [op, o.ops])));
  } finally {
    await influx.stop();
  }
});

test('rank-members: latency.hgrm counts each operation once (its part: statements apart), per-op files have plain names', async () => {
  const run = await runWithOutputs('hgrm', 'rank-members', []);
  const folder = join(dir.path, 'results', run.runId);
  const totalCount = (file: string): number => Number(/Total count\s*=\s*(\d+)/.exec(readFileSync(join(folder, file), 'utf8'))?.[1]);
  assert.ok(Object.keys(run.summary!.byOp).some((op) => op.startsWith('part:')), `no part: op in ${Object.keys(run.summary!.byOp).join(', ')}`);
  assert.equal(totalCount('latency.hgrm'), run.summary!.ops);
  const perOp = readdirSync(folder).filter((name) => /^latency-.+\.hgrm$/.test(name));
  assert.equal(perOp.length, Object.keys(run.summary!.byOp).length);
  for (const name of perOp) assert.match(name, /^latency-[A-Za-z0-9._-]+\.hgrm$/);
});

test('bad --out and --tag values: exit 2 naming each, nothing run', async () => {
  const result = await runCli(['run', 'insert-features', '--flag', 'nothing', ...connectionArgs(db.name), '--out', 'carrier-pigeon=x', '--out', 'influxdb=ftp://h/x', '--tag', 'run_id=x', '--tag', '1x=y', '--results', join(dir.path, 'bad')]);
  assert.equal(result.code, 2, describeResult(result));
  for (const text of ['--out "carrier-pigeon=x"', '--out "influxdb=ftp://h/x": influxdb needs an http(s) URL', '--tag "run_id=x": run_id is a label innobench sets itself', '--tag "1x=y"']) assert.ok(result.stderr.includes(text), `${text} not in\n${result.stderr}`);
});
