/**
 * Three client "hosts" started together: three network namespaces (scripts/client-namespaces.sh),
 * each reaching a private MariaDB (test/support/disposableServer.ts, never the shared server) on
 * 10.213.0.1, an address of its own that the shared server does not listen on. Each runs
 * `innobench run --shard auto/3` with its JOB_COMPLETION_INDEX, started a second apart as pods
 * are; they meet at the rendezvous and start within 50 ms of each other, and `innobench merge`
 * gives one run whose operations equal the server's Com_insert delta (the server is private, so
 * nobody else inserts). Needs root (namespaces); skipped otherwise.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, describeResult, featureFileArgs, ROOT, runCli, tempDir, type CliResult } from '../helpers.js';
import { disposableServerSkipReason, startDisposableServer, type DisposableServer } from '../support/disposableServer.js';
import type { RunFile } from '../../src/results/types.js';

const SHARDS = 3;
const SERVER_ADDRESS = '10.213.0.1';
const tag = String(process.pid % 100_000);
const NAMESPACES = join(ROOT, 'scripts', 'client-namespaces.sh');
const DATABASE = 'ib_shards';
const account = { user: 'ib_shard', password: 'Shard-Pw-7f3a' };

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (spawnSync('ip', ['-V']).status !== 0) return 'the ip command (iproute2) is missing';
  return disposableServerSkipReason();
}
const skip = skipReason();

function namespaces(command: 'up' | 'down'): void {
  const result = spawnSync('sh', [NAMESPACES, command, tag, String(SHARDS)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`client-namespaces.sh ${command}: ${result.stderr}`);
}

/** `innobench …` inside namespace i, with its shard index in the environment. */
function cliInNamespace(i: number, args: string[]): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [NAMESPACES, 'exec', tag, String(i), process.execPath, CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', JOB_COMPLETION_INDEX: String(i - 1), MYSQL_PWD: account.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('three shards from three network namespaces, started together', { skip }, () => {
  let server: DisposableServer;
  const results = tempDir('ib-shards-');

  before(async () => {
    namespaces('up');
    server = await startDisposableServer({ args: [`--bind-address=127.0.0.1,${SERVER_ADDRESS}`, '--max-connections=200'] });
    await server.query(`CREATE USER '${account.user}'@'10.213.0.%' IDENTIFIED BY '${account.password}'`);
    await server.query(`GRANT ALL PRIVILEGES ON *.* TO '${account.user}'@'10.213.0.%'`);
    const prepared = await runCli(['prepare', 'insert-features', ...server.connectionArgs(DATABASE), '--groups', '30', '--members', '100', '--images', '20'], { timeoutMs: 120_000 });
    assert.equal(prepared.code, 0, describeResult(prepared));
  });

  after(async () => {
    await server?.remove();
    namespaces('down');
    results.remove();
  });

  test('start skew within 50 ms; merged operations = the server\'s Com_insert delta', async (t) => {
    const comInsert = async (): Promise<number> => Number((await server.query<Array<{ Value: string }>>("SHOW GLOBAL STATUS LIKE 'Com_insert'"))[0]!.Value);
    const before = await comInsert();
    const args = (i: number) => ['run', 'insert-features', '--host', SERVER_ADDRESS, '--port', String(server.port), '--user', account.user, '--database', DATABASE,
      '--shard', 'auto/3', '--rendezvous-timeout', '60s', '--workers', '8', '--duration', '6s', '--interval', '2s', '--results', join(results.path, `shard${i}`), ...featureFileArgs()];
    const runs: Array<Promise<CliResult>> = [];
    // Started a second apart, as pods of one Job are: the rendezvous evens that out.
    for (let i = 1; i <= SHARDS; i++) {
      runs.push(cliInNamespace(i, args(i)));
      await sleep(1000);
    }
    const done = await Promise.all(runs);
    for (const run of done) assert.equal(run.code, 0, describeResult(run));
    const after = await comInsert();

    const dirs = Array.from({ length: SHARDS }, (_, k) => {
      const root = join(results.path, `shard${k + 1}`);
      return join(root, readdirSync(root)[0]!);
    });
    const files = dirs.map((dir) => JSON.parse(spawnSync('cat', [join(dir, 'run.json')], { encoding: 'utf8' }).stdout) as RunFile);
    for (const [k, file] of files.entries()) {
      const record = file.rendezvous!;
      assert.equal(record.shard, k);
      assert.equal(record.shards.length, SHARDS);
      assert.ok(record.skewMs !== null && record.skewMs <= 50, `start skew ${record.skewMs} ms\n${describeResult(done[k]!)}`);
    }
    const merged = await runCli(['merge', ...dirs, '--results', join(results.path, 'merged'), '--json']);
    assert.equal(merged.code, 0, describeResult(merged));
    const run = JSON.parse(merged.stdout) as RunFile;
    assert.equal(run.summary!.ops, files.reduce((sum, f) => sum + f.summary!.ops, 0));
    assert.equal(run.summary!.rows, after - before, 'merged rows = the private server\'s Com_insert delta');
    assert.ok(run.rendezvous!.skewMs! <= 50);
    // Each shard's table gain counts every shard's rows: partial there, checked over the set by merge.
    for (const [k, file] of files.entries()) {
      assert.equal(file.summary!.accounting?.scope, `shard ${k + 1}/3`);
      assert.equal(file.summary!.accounting?.ok, true, file.summary!.accounting?.note);
    }
    assert.equal(run.summary!.accounting?.scope, '3 shards merged');
    assert.equal(run.summary!.accounting?.ok, true, run.summary!.accounting?.note);
    assert.equal(run.summary!.accounting?.tableRowsDelta, after - before);
    assert.match(merged.stderr, /accounting \(3 shards merged\): ok: the shards' rows together = table rows gained over the set/);
    assert.match(merged.stderr, /shards: 3 \(set "insert-features-demo-3"\), start skew [\d.]+ ms/);
    t.diagnostic(`start skew per shard run: ${files.map((f) => f.rendezvous!.skewMs).join(', ')} ms; merged: ${run.rendezvous!.skewMs} ms, ${run.summary!.ops} ops = Com_insert +${after - before}`);
  });
});
