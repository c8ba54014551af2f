/**
 * Runs against the 3-node Galera cluster of scripts/galera-cluster.sh (`--hosts`):
 *
 * - insert-features over three nodes: workers spread round-robin, every node did operations, the
 *   per-node figures add up to the run's, every node's Com_insert moved by (at least) every insert
 *   of the cluster, and the harness's rows are the rows on every node (counted with wsrep_sync_wait).
 * - A forced conflict (the same row updated in transactions on two nodes): the loser's COMMIT
 *   fails with 1213, which the harness tells apart as a Galera conflict, and the node counted it
 *   as a certification failure or brute-force abort.
 * - The deadlock lab's delete-then-insert storm across the nodes: 1213s at COMMIT (Galera conflicts)
 *   counted per node beside InnoDB deadlocks, and every 1213 the harness saw counted by a node.
 * - A node killed (SIGKILL) and restarted mid-run: its workers fail over to the other nodes, the
 *   summary shows the degraded time, and every row the harness counted is on every node, none twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import mysql from 'mysql2';
import { describeResult, featureFileArgs, randomSuffix, readOnlyRunFolder, runCli, tempDir } from '../helpers.js';
import { ensureCluster, GALERA_SCRIPT, galeraSkipReason, NODE_PORTS, nodePid, nodeQuery, nodeStatus } from '../support/galera.js';
import { isCommitConflict } from '../../src/db/errors.js';
import { nodePart } from '../../src/metrics/clusterStatus.js';

const skip = galeraSkipReason();
const DATABASE = `ib_cluster_${randomSuffix()}`;
const HOSTS = NODE_PORTS.map((port) => `127.0.0.1:${port}`).join(',');
const SCALE = ['--groups', '30', '--members', '200', '--images', '10'];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function comInsert(port: number): Promise<number> {
  return Number(await nodeStatus(port, 'Com_insert'));
}

describe('runs against a Galera cluster', { skip }, () => {
  before(async () => {
    ensureCluster();
    const prepared = await runCli(['prepare', 'insert-features', '--host', '127.0.0.1', '--port', String(NODE_PORTS[0]), '--user', 'root', '--password=', '--database', DATABASE, ...SCALE], { timeoutMs: 120_000 });
    assert.equal(prepared.code, 0, describeResult(prepared));
  });

  after(async () => {
    if (!skip) await nodeQuery(NODE_PORTS[0], `DROP DATABASE IF EXISTS \`${DATABASE}\``);
  });

  test('insert-features over three nodes: per-node figures, rows on every node = harness rows', async () => {
    const results = tempDir('ib-cluster-run-');
    try {
      const before = await Promise.all(NODE_PORTS.map(comInsert));
      const run = await runCli(['run', 'insert-features', '--hosts', HOSTS, '--user', 'root', '--password=', '--database', DATABASE, '--workers', '12', '--duration', '5s', '--interval', '1s', '--results', results.path, ...featureFileArgs()], { timeoutMs: 120_000 });
      assert.equal(run.code, 0, describeResult(run));
      const after = await Promise.all(NODE_PORTS.map(comInsert));
      assert.match(run.stderr, /\|\| nodes ops\/s: 127\.0\.0\.1:3311 [\d.]+, 127\.0\.0\.1:3312 [\d.]+, 127\.0\.0\.1:3313 [\d.]+ \| cluster: size 3 Primary cert_fail \d+/);
      const { run: file } = readOnlyRunFolder(results.path);
      const s = file.summary!;
      assert.ok(s.ops > 0);
      assert.equal(s.accounting?.ok, true, s.accounting?.note);
      assert.equal(s.cluster?.accounting?.ok, true, s.cluster?.accounting?.note);
      const nodes = NODE_PORTS.map((port) => `127.0.0.1:${port}`);
      const perNode = nodes.map((node) => s.byOp[nodePart(node)]?.ops ?? 0);
      for (const ops of perNode) assert.ok(ops > 0, `every node did operations: ${perNode.join(', ')}`);
      assert.equal(perNode.reduce((a, b) => a + b, 0), s.ops);
      const rowsAfter = s.accounting!.tableRowsAfter;
      assert.deepEqual(s.cluster!.accounting!.rowsByNode, Object.fromEntries(nodes.map((node) => [node, rowsAfter])));
      // Replication applies every insert on every node: each node's Com_insert moved by all of them.
      for (const [i, port] of NODE_PORTS.entries()) assert.ok(after[i]! - before[i]! >= s.rows, `node ${port}: Com_insert +${after[i]! - before[i]!} < ${s.rows} rows`);
      // Each node's own figure, taken until it had caught up: every insert of the run, plus at most the failed attempts.
      for (const n of s.cluster!.nodes) {
        const comInsert = n.delta.Com_insert ?? 0;
        assert.ok(comInsert >= s.rows && comInsert <= s.rows + (s.attempts - s.ops), `${n.node}: Com_insert +${comInsert} for ${s.rows} rows`);
      }
      assert.equal(s.cluster!.nodes.length, 3);
      assert.ok(s.cluster!.nodes.every((n) => n.retryAutocommit !== null));
      assert.equal(s.cluster!.degraded.length, 0);
      const text = run.stdout + run.stderr;
      assert.match(text, /cluster: Com_insert per node counts the cluster's statements/);
      assert.match(text, /cluster accounting: ok: harness rows \d+ = rows gained on every node \(3 nodes, counted with wsrep_sync_wait\)/);
    } finally {
      results.remove();
    }
  });

  test('a forced conflict (one row updated on two nodes) is a Galera conflict at COMMIT, counted by the node', async () => {
    await nodeQuery(NODE_PORTS[0], `CREATE TABLE IF NOT EXISTS \`${DATABASE}\`.conflict (id INT PRIMARY KEY, v INT) ENGINE=InnoDB`);
    await nodeQuery(NODE_PORTS[0], `REPLACE INTO \`${DATABASE}\`.conflict VALUES (1, 0)`);
    const open = (port: number) => mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', database: DATABASE });
    const run = (c: mysql.Connection, sql: string) => new Promise<void>((resolve, reject) => c.query(sql, (error) => (error ? reject(error) : resolve())));
    const a = open(NODE_PORTS[0]);
    const b = open(NODE_PORTS[1]);
    try {
      await run(b, 'SET SESSION wsrep_sync_wait = 1');
      await run(b, 'SELECT * FROM conflict');
      const counted = async () => Number(await nodeStatus(NODE_PORTS[1], 'wsrep_local_cert_failures')) + Number(await nodeStatus(NODE_PORTS[1], 'wsrep_local_bf_aborts'));
      const deadlocksBefore = Number(await nodeStatus(NODE_PORTS[1], 'Innodb_deadlocks'));
      const before = await counted();
      await run(a, 'BEGIN');
      await run(b, 'BEGIN');
      await run(a, 'UPDATE conflict SET v = v + 1 WHERE id = 1');
      await run(b, 'UPDATE conflict SET v = v + 10 WHERE id = 1');
      await run(a, 'COMMIT');
      const lost = await run(b, 'COMMIT').then(() => null, (error: unknown) => error);
      assert.ok(lost, 'the second COMMIT fails');
      assert.equal((lost as { errno?: number }).errno, 1213);
      assert.equal(isCommitConflict(lost), true);
      assert.equal((await counted()) - before, 1, 'node 2 counted one certification failure or brute-force abort');
      assert.equal(Number(await nodeStatus(NODE_PORTS[1], 'Innodb_deadlocks')), deadlocksBefore, 'no InnoDB deadlock');
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  test('the deadlock storm across nodes: Galera conflicts at COMMIT counted beside InnoDB deadlocks, every 1213 explained', async () => {
    const prepared = await runCli(['prepare', 'replace-member-images', '--host', '127.0.0.1', '--port', String(NODE_PORTS[0]), '--user', 'root', '--password=', '--database', DATABASE, '--flag', 'storm', '--groups', '1', '--members', '40', '--images', '5', ...featureFileArgs()], { timeoutMs: 120_000 });
    assert.equal(prepared.code, 0, describeResult(prepared));
    const results = tempDir('ib-cluster-storm-');
    try {
      const run = await runCli(['run', 'replace-member-images', '--hosts', HOSTS, '--user', 'root', '--password=', '--database', DATABASE, '--flag', 'storm', '--workers', '12', '--duration', '6s', '--interval', '2s', '--results', results.path, ...featureFileArgs()], { timeoutMs: 120_000 });
      assert.equal(run.code, 0, describeResult(run));
      const s = readOnlyRunFolder(results.path).run.summary!;
      const c = s.cluster!.conflicts;
      assert.equal(s.verification?.ok, true);
      assert.equal(c.harness1213, s.deadlocks);
      assert.ok(c.atCommit > 0, `Galera conflicts at COMMIT: ${c.note}`);
      assert.ok(c.certFailures + c.bfAborts >= c.atCommit, c.note);
      // Every 1213 the harness saw is one the nodes counted: an InnoDB deadlock, a cert failure or a BF abort.
      assert.ok(c.harness1213 <= c.innodbDeadlocks + c.certFailures + c.bfAborts, c.note);
      assert.match(run.stdout + run.stderr, /conflicts: \d+ errno 1213 seen: \d+ at COMMIT \(Galera conflicts\), \d+ on statements \(by the nodes' counters: \d+ InnoDB deadlocks, \d+ brute-force aborts\)/);
    } finally {
      results.remove();
    }
  });

  test('a node killed and restarted mid-run: workers fail over, degraded time shown, nothing lost or counted twice', async () => {
    const results = tempDir('ib-cluster-kill-');
    try {
      const victim = nodePid(2);
      assert.ok(victim, 'node 2 runs');
      const schedule = (async () => {
        await sleep(3000);
        process.kill(victim, 'SIGKILL');
        await sleep(6000);
        await new Promise<void>((resolve, reject) =>
          spawn('bash', [GALERA_SCRIPT, 'up'], { stdio: 'ignore' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`galera-cluster.sh up: exit ${code}`)))),
        );
      })();
      const run = await runCli(['run', 'insert-features', '--hosts', HOSTS, '--user', 'root', '--password=', '--database', DATABASE, '--workers', '12', '--duration', '25s', '--interval', '1s', '--results', results.path, ...featureFileArgs()], { timeoutMs: 180_000 });
      await schedule;
      assert.equal(run.code, 0, describeResult(run));
      const { run: file } = readOnlyRunFolder(results.path);
      const s = file.summary!;
      const c = s.cluster!;
      assert.ok(s.reconnects > 0, `the workers of node 2 reconnected elsewhere\n${describeResult(run)}`);
      assert.ok(c.degraded.length >= 1 && c.degradedSec > 0, `degraded time shown: ${JSON.stringify(c.degraded)}`);
      assert.match(c.degraded[0]!.why, /127\.0\.0\.1:3312/);
      assert.equal(s.accounting?.ok, true, `${s.accounting?.note}\n${describeResult(run)}`);
      assert.equal(c.accounting?.ok, true, `${c.accounting?.note}\n${describeResult(run)}`);
      assert.match(run.stdout + run.stderr, /cluster degraded [\d.]+ s: from .* \(.*127\.0\.0\.1:3312.*\)/);
      assert.equal(await nodeStatus(NODE_PORTS[1], 'wsrep_cluster_size'), '3');
    } finally {
      results.remove();
    }
  });
});
