/**
 * `npm run bench:cluster`: the targets of "beyond one machine", side by side in one run.
 *
 * Galera (scripts/galera-cluster.sh, brought up if it is not and down again afterwards if it was):
 *  1. insert-features, 100 workers round-robin over the 3 nodes: harness rows = rows on each node,
 *     exactly; certification conflicts and InnoDB deadlocks counted apart.
 *  2. The same load with node 2 SIGKILLed a third of the way in and restarted (`galera-cluster.sh
 *     up`) two thirds in: nothing lost or counted twice, the degraded time shown.
 *  3. The deadlock lab's delete-then-insert storm across the nodes: Galera conflicts at COMMIT beside
 *     InnoDB deadlocks.
 *
 * N client hosts (scripts/client-namespaces.sh, a private MariaDB from scripts/private-mariadb.sh
 * listening on the namespaces' bridge too; never the shared server):
 *  4. Pairs, in A B B A order, of [3 shards × 33 workers, each in its own namespace, started with
 *     `--shard auto/3` a second apart as pods are, then `innobench merge`] and [one process × 99
 *     workers in the first namespace]. Per shard set: the start skew (target ≤ 50 ms) and merged ops
 *     against the server's Com_insert delta (target: equal). Over the pairs: merged throughput
 *     against one process's, paired (target: within noise, the 95 % interval of the ratio holding 1).
 *
 * The feature table is emptied before every run so that each starts from the same table.
 * Options: --duration 20s (each cluster run), --shard-duration 15s, --pairs 4, --workers 100,
 * --skip-cluster, --skip-shards. Needs root for the namespaces and the private server.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort, option, PROJECT_ROOT, positiveInteger, runChild, sh, stopOnSignal, writeResultsJson } from './common.js';
import type { RunFile } from '../src/results/types.js';
import { mean, sampleStdDev, studentTQuantile } from '../src/analysis/verdicts/stats.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const GALERA = join(PROJECT_ROOT, 'scripts', 'galera-cluster.sh');
const PRIVATE = join(PROJECT_ROOT, 'scripts', 'private-mariadb.sh');
const NAMESPACES = join(PROJECT_ROOT, 'scripts', 'client-namespaces.sh');
const NODE_PORTS = [3311, 3312, 3313];
const HOSTS = NODE_PORTS.map((port) => `127.0.0.1:${port}`).join(',');
const SHARDS = 3;
const SUBNET = '10.214.0';
const SERVER_ADDRESS = `${SUBNET}.1`;
const TAG = `cb${process.pid % 10_000}`;
const signal = stopOnSignal();
const SHARD_ACCOUNT = { user: 'ib_bench_shard', password: `Bench-${process.pid}-${Date.now() % 100_000}` };

type Row = [target: string, goal: string, measured: string, verdict: string];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


type Child = Awaited<ReturnType<typeof runChild>>;

/** One innobench (optionally inside a client namespace), its console shown after a prefix. */
function innobench(args: string[], options: { prefix: string; env?: NodeJS.ProcessEnv; namespace?: number }): Promise<Child> {
  const command = options.namespace === undefined ? [process.execPath, CLI, ...args] : [NAMESPACES, 'exec', TAG, String(options.namespace), process.execPath, CLI, ...args];
  return runChild(command[0]!, command.slice(1), { prefix: options.prefix, ...(options.env ? { env: options.env } : {}) });
}

function parseRun(child: Child, what: string): RunFile {
  if (child.code !== 0) throw new Error(`${what} exited ${child.code}:\n${child.stderr.split('\n').slice(-15).join('\n')}`);
  return JSON.parse(child.stdout) as RunFile;
}

async function query<T>(port: number, sql: string, host = '127.0.0.1'): Promise<T> {
  const connection = await mysql.createConnection({ host, port, user: 'root', password: '' });
  try {
    return (await connection.query(sql))[0] as T;
  } finally {
    await connection.end();
  }
}

const comInsert = async (port: number): Promise<number> => Number((await query<Array<{ Value: string }>>(port, "SHOW GLOBAL STATUS LIKE 'Com_insert'"))[0]!.Value);

// ---------------------------------------------------------------- Galera

async function clusterTargets(rows: Row[], record: Record<string, unknown>): Promise<void> {
  const wasUp = sh(GALERA, ['status']).status === 0;
  const up = sh(GALERA, ['up']);
  if (up.status !== 0) {
    rows.push(['3-node cluster', 'runs', `skipped: galera-cluster.sh up failed: ${up.stderr.trim().split('\n').pop()}`, 'skipped']);
    return;
  }
  const database = `ib_bench_cluster_${process.pid}`;
  const connection = ['--hosts', HOSTS, '--user', 'root', '--password=', '--database', database];
  const node1 = ['--host', '127.0.0.1', '--port', String(NODE_PORTS[0]), '--user', 'root', '--password=', '--database', database];
  const workers = String(positiveInteger('workers', option('workers', '100')));
  const duration = option('duration', '20s');
  const seconds = Number.parseFloat(duration);
  try {
    const prepared = await innobench(['prepare', 'insert-features', ...node1, '--groups', '100', '--members', '200', '--images', '10'], { prefix: '  [prepare] ' });
    if (prepared.code !== 0) throw new Error('prepare on the cluster failed');
    const load = ['run', 'insert-features', ...connection, '--workers', workers, '--interval', '5s', '--fresh', '--json'];

    process.stderr.write(`\n== 1. insert-features, ${workers} workers over 3 nodes, ${duration}\n`);
    const whole = parseRun(await innobench([...load, '--duration', duration], { prefix: '  ' }), 'the cluster run');
    rows.push(accountingRow(`3 nodes, insert-features, ${workers} workers`, whole));
    rows.push(conflictRow('  conflicts and deadlocks apart (inserts)', whole));
    record.clusterRun = whole.summary;

    if (signal.stopped) return;
    const killAt = Math.round(seconds / 3);
    process.stderr.write(`\n== 2. the same with node 2 SIGKILLed at ${killAt} s and restarted at ${2 * killAt} s\n`);
    const victim = Number(spawnSync('cat', ['/tmp/innobench-galera/node2/mariadbd.pid'], { encoding: 'utf8' }).stdout.trim());
    const failing = innobench([...load, '--duration', duration], { prefix: '  ' });
    await sleep(killAt * 1000 + 3000); // the run's start-up (connections, plan) comes first
    if (victim > 0) process.kill(victim, 'SIGKILL');
    await sleep(killAt * 1000);
    const rejoined = sh(GALERA, ['up']);
    const failover = parseRun(await failing, 'the node-failure run');
    const degraded = failover.summary?.cluster?.degraded ?? [];
    rows.push([
      '  node 2 killed and restarted mid-run',
      'nothing lost or counted twice; degraded time shown',
      `${failover.summary?.cluster?.accounting?.note ?? 'no cluster accounting'}; degraded ${failover.summary?.cluster?.degradedSec?.toFixed(1) ?? '?'} s (${degraded.map((d) => d.why).join('; ') || 'none'}); reconnects ${failover.summary?.reconnects ?? 0}${rejoined.status === 0 ? '' : '; node 2 did not rejoin'}`,
      failover.summary?.accounting?.ok && failover.summary.cluster?.accounting?.ok && degraded.length > 0 ? 'met' : 'missed',
    ]);
    record.failoverRun = failover.summary;

    if (signal.stopped) return;
    process.stderr.write('\n== 3. the delete-then-insert storm across the nodes (replace-member-images, 20 workers, 15 s)\n');
    const stormPrepared = await innobench(['prepare', 'replace-member-images', ...node1, '--flag', 'storm', '--groups', '1', '--members', '40', '--images', '10'], { prefix: '  [prepare] ' });
    if (stormPrepared.code !== 0) throw new Error('prepare of the storm failed');
    const storm = parseRun(await innobench(['run', 'replace-member-images', ...connection, '--flag', 'storm', '--workers', '20', '--duration', '15s', '--interval', '5s', '--json'], { prefix: '  ' }), 'the storm');
    rows.push(conflictRow('  cross-node deadlock storm', storm));
    record.stormRun = storm.summary;
  } finally {
    await query(NODE_PORTS[0]!, `DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
    if (!wasUp) sh(GALERA, ['down']);
  }
}

function accountingRow(target: string, run: RunFile): Row {
  const s = run.summary!;
  const byNode = s.cluster?.accounting?.rowsByNode ?? {};
  const gained = s.accounting ? s.accounting.tableRowsAfter - s.accounting.tableRowsBefore : null;
  const perNode = Object.entries(byNode).map(([node, rows]) => `${node.replace('127.0.0.1:', ':')} ${rows ?? '?'}`).join(', ');
  return [
    target,
    'harness rows = rows on each node',
    `harness ${s.rows} (${s.opsPerSec.toFixed(0)}/s); table +${gained ?? '?'}; rows on each node after the run: ${perNode || 'not counted'}`,
    s.accounting?.ok && s.cluster?.accounting?.ok ? 'met' : 'missed',
  ];
}

function conflictRow(target: string, run: RunFile): Row {
  const c = run.summary?.cluster?.conflicts;
  if (!c) return [target, 'counted apart', 'no conflict accounting', 'missed'];
  // Every 1213 the harness saw is one the nodes counted (an InnoDB deadlock, a cert failure or a
  // BF abort), and every one returned by COMMIT is a Galera conflict the nodes counted as such.
  const explained = c.harness1213 <= c.innodbDeadlocks + c.certFailures + c.bfAborts && c.atCommit <= c.certFailures + c.bfAborts;
  return [
    target,
    'cert conflicts and deadlocks counted apart',
    `1213 seen ${c.harness1213}: ${c.atCommit} at COMMIT (Galera), ${c.galeraOnStatements} BF aborts on statements, InnoDB deadlocks ${c.innodbDeadlocks}; cert failures ${c.certFailures}, BF aborts ${c.bfAborts}, replays ${c.replays}, unseen ${c.unseen}`,
    explained ? 'met' : 'missed',
  ];
}

// ---------------------------------------------------------------- shards

interface PairSide {
  kind: 'shards' | 'one';
  opsPerSec: number;
  ops: number;
  comInsert: number;
  skewMs: number | null;
}

async function shardTargets(rows: Row[], record: Record<string, unknown>): Promise<void> {
  if (process.getuid?.() !== 0) {
    rows.push(['3 shards from 3 namespaces', 'skew ≤ 50 ms …', 'skipped: network namespaces need root', 'skipped']);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ib-bench-cluster-'));
  const server = join(dir, 'server');
  const port = await freePort();
  const results = join(dir, 'results');
  const pairs = positiveInteger('pairs', option('pairs', '4'));
  const duration = option('shard-duration', '15s');
  const perShard = Math.floor(positiveInteger('workers', option('workers', '100')) / SHARDS);
  try {
    const net = sh(NAMESPACES, ['up', TAG, String(SHARDS), SUBNET]);
    if (net.status !== 0) throw new Error(`client-namespaces.sh up: ${net.stderr}`);
    // The private server listens on the bridge as well, from its first start (conf.d is read then).
    spawnSync('mkdir', ['-p', join(server, 'conf.d')]);
    spawnSync('sh', ['-c', `printf '[mysqld]\\nbind-address = 127.0.0.1,${SERVER_ADDRESS}\\n' > ${join(server, 'conf.d', 'bench-bind.cnf')}`]);
    const started = sh(PRIVATE, ['start', server, String(port)], { ...process.env, IB_PRIVATE_BUFFER_POOL: '1G', IB_PRIVATE_REDO: '256M' });
    if (started.status !== 0) throw new Error(`the private server did not start: ${started.stderr}`);
    await query(port, `CREATE USER '${SHARD_ACCOUNT.user}'@'${SUBNET}.%' IDENTIFIED BY '${SHARD_ACCOUNT.password}'`);
    await query(port, `GRANT ALL PRIVILEGES ON *.* TO '${SHARD_ACCOUNT.user}'@'${SUBNET}.%'`);
    const database = 'ib_bench_shards';
    const prepared = await innobench(['prepare', 'insert-features', '--host', '127.0.0.1', '--port', String(port), '--user', 'root', '--password=', '--database', database, '--groups', '100', '--members', '1000', '--images', '10'], { prefix: '  [prepare] ' });
    if (prepared.code !== 0) throw new Error('prepare on the private server failed');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', MYSQL_PWD: SHARD_ACCOUNT.password };
    const base = ['run', 'insert-features', '--host', SERVER_ADDRESS, '--port', String(port), '--user', SHARD_ACCOUNT.user, '--database', database, '--duration', duration, '--interval', '5s', '--json'];

    const sides: PairSide[] = [];
    const order: Array<'shards' | 'one'> = [];
    for (let p = 0; p < pairs; p++) order.push(...(p % 2 === 0 ? (['shards', 'one'] as const) : (['one', 'shards'] as const)));
    for (const [k, kind] of order.entries()) {
      if (signal.stopped) return;
      await query(port, `TRUNCATE TABLE \`${database}\`.feature_demo_1`);
      const before = await comInsert(port);
      process.stderr.write(`\n== 4. run ${k + 1}/${order.length}: ${kind === 'shards' ? `3 shards × ${perShard} workers from 3 namespaces` : `one process × ${perShard * SHARDS} workers`}\n`);
      if (kind === 'one') {
        const run = parseRun(await innobench([...base, '--workers', String(perShard * SHARDS), '--results', join(results, `one-${k}`)], { prefix: '  [one] ', env, namespace: 1 }), 'the one-process run');
        sides.push({ kind, opsPerSec: run.summary!.opsPerSec, ops: run.summary!.ops, comInsert: (await comInsert(port)) - before, skewMs: null });
        continue;
      }
      const children: Array<Promise<Child>> = [];
      for (let i = 1; i <= SHARDS; i++) {
        children.push(innobench([...base, '--workers', String(perShard), '--shard', 'auto/3', '--rendezvous', `bench-${process.pid}-${k}`, '--rendezvous-timeout', '60s', '--results', join(results, `set-${k}`, `shard${i}`)], { prefix: `  [shard ${i}] `, env: { ...env, JOB_COMPLETION_INDEX: String(i - 1) }, namespace: i }));
        await sleep(1000); // pods of one Job start apart; the rendezvous evens that out
      }
      const done = await Promise.all(children);
      done.forEach((child, i) => parseRun(child, `shard ${i + 1}`));
      const dirs = Array.from({ length: SHARDS }, (_, i) => {
        const root = join(results, `set-${k}`, `shard${i + 1}`);
        return join(root, readdirSync(root)[0]!);
      });
      const merged = parseRun(await innobench(['merge', ...dirs, '--results', join(results, `set-${k}`, 'merged'), '--json'], { prefix: '  [merge] ' }), 'merge');
      sides.push({ kind, opsPerSec: merged.summary!.opsPerSec, ops: merged.summary!.ops, comInsert: (await comInsert(port)) - before, skewMs: merged.rendezvous?.skewMs ?? null });
    }
    record.shardRuns = sides;

    const sets = sides.filter((side) => side.kind === 'shards');
    const skews = sets.map((side) => side.skewMs);
    const worstSkew = skews.every((skew) => skew !== null) ? Math.max(...(skews as number[])) : null;
    rows.push(['3 shards from 3 namespaces: start skew', '≤ 50 ms', `${skews.map((skew) => (skew === null ? '?' : skew.toFixed(1))).join(', ')} ms over ${sets.length} sets`, worstSkew !== null && worstSkew <= 50 ? 'met' : 'missed']);
    rows.push([
      '  merged ops = server Com_insert delta',
      'equal in every set',
      sets.map((side) => `${side.ops} = ${side.comInsert}`).join(', '),
      sets.every((side) => side.ops === side.comInsert) ? 'met' : 'missed',
    ]);
    // Pairs in A B B A order: each pair's ratio, and a Student-t interval over the pairs.
    const ratios: number[] = [];
    for (let p = 0; p < pairs; p++) {
      const pair = sides.slice(2 * p, 2 * p + 2);
      const shards = pair.find((side) => side.kind === 'shards')!;
      const one = pair.find((side) => side.kind === 'one')!;
      ratios.push(shards.opsPerSec / one.opsPerSec);
    }
    const average = mean(ratios);
    const half = ratios.length > 1 ? (studentTQuantile(0.975, ratios.length - 1) * sampleStdDev(ratios)) / Math.sqrt(ratios.length) : NaN;
    const within = Number.isFinite(half) && average - half <= 1 && average + half >= 1;
    rows.push([
      `  merged throughput vs one process × ${perShard * SHARDS} workers`,
      'within noise (95 % interval of the ratio holds 1)',
      `shards ${mean(sets.map((s) => s.opsPerSec)).toFixed(0)}/s, one ${mean(sides.filter((s) => s.kind === 'one').map((s) => s.opsPerSec)).toFixed(0)}/s; ratio ${average.toFixed(3)} ± ${Number.isFinite(half) ? half.toFixed(3) : '?'} over ${pairs} pairs (${ratios.map((r) => r.toFixed(3)).join(', ')})`,
      within ? 'met' : 'missed',
    ]);
  } finally {
    sh(PRIVATE, ['remove', server]);
    sh(NAMESPACES, ['down', TAG, String(SHARDS)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const record: Record<string, unknown> = {};
  if (!process.argv.includes('--skip-cluster')) await clusterTargets(rows, record);
  if (!process.argv.includes('--skip-shards') && !signal.stopped) await shardTargets(rows, record);
  const header: Row = ['target', 'goal', 'measured', ''];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
  process.stdout.write('\n' + [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  const file = await writeResultsJson(`bench-cluster-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, { rows, ...record });
  process.stdout.write(`results: ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
