/**
 * Stage profiles (the attribution's own test is src/analysis/stageAttribution.test.ts). The
 * shared server (127.0.0.1:3306) runs with performance_schema OFF, so there the SET profiling
 * fallback is tested. The performance_schema path runs against a private
 * MariaDB started for the test in /tmp (its own datadir, socket and port, killed and removed
 * after); the test skips when mariadb-install-db / mariadbd are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysqlPromise, { type Connection } from 'mysql2/promise';
import { RunFolder } from '../../src/results/runFolder.js';
import type { HookContext } from '../../src/engine/runHooks.js';
import { FALLBACK_LABEL, PS_LABEL, STAGES_FILE, stageProfileText, type FallbackStageProfileSummary, type PsStageProfileSummary } from '../../src/hooks/stageProfile/profile.js';
import { stageProfileHook } from '../../src/hooks/stageProfile/hook.js';

const SERVER = {
  host: process.env.IB_TEST_HOST ?? '127.0.0.1',
  port: Number(process.env.IB_TEST_PORT ?? 3306),
  user: process.env.IB_TEST_USER ?? 'root',
  password: process.env.IB_TEST_PASSWORD ?? '',
};

// ---- the shared server: SET profiling fallback ----

async function withDatabase(server: typeof SERVER, body: (ctx: HookContext, admin: Connection) => Promise<void>): Promise<void> {
  const database = `ib_test_${randomBytes(5).toString('hex')}`;
  const admin = await mysqlPromise.createConnection(server);
  await admin.query(`CREATE DATABASE \`${database}\``);
  await admin.query(`USE \`${database}\``);
  const dir = mkdtempSync(join(tmpdir(), 'ib-stages-'));
  try {
    await body({ connection: { ...server, database }, folder: RunFolder.create(dir, 'run'), options: {}, scenario: 'test', log: () => undefined }, admin);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function performanceSchemaOn(server: typeof SERVER): Promise<boolean> {
  const connection = await mysqlPromise.createConnection(server);
  try {
    const [rows] = await connection.query('SELECT @@performance_schema AS ps');
    return Number((rows as Array<{ ps: number }>)[0]?.ps) === 1;
  } finally {
    await connection.end();
  }
}

test('performance_schema OFF: the hook says how to turn it on and profiles the sample with SET profiling', async (t) => {
  if (await performanceSchemaOn(SERVER)) {
    t.skip('performance_schema is ON on the shared server: the fallback is not used there');
    return;
  }
  await withDatabase(SERVER, async (ctx) => {
    const hook = stageProfileHook({ sample: { sql: 'SELECT SLEEP(?) AS nap', params: [0.01] }, replays: 4, everyMs: 50 });
    await hook.start(ctx);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const summary = (await hook.stop({ ...ctx, statusDelta: {} })) as FallbackStageProfileSummary;
    assert.equal(summary.source, FALLBACK_LABEL);
    assert.match(summary.howToEnable, /performance_schema=ON/);
    assert.match(summary.howToEnable, /restart/);
    assert.equal(summary.replays, 4);
    assert.equal(summary.profiled, 4);
    assert.ok(summary.topStages.length > 0);
    assert.equal(summary.topStages[0]!.stage, 'User sleep');
    assert.ok(summary.avgMs >= 10, `avg ${summary.avgMs}`);
    const text = readFileSync(join(ctx.folder.dir, STAGES_FILE), 'utf8');
    assert.match(text, /SET profiling fallback \(sampled connection\)/);
    assert.match(text, /performance_schema=ON/);
    t.diagnostic(text);
  });
});

test('performance_schema OFF: a sample that fires a trigger is reported as recorded under the trigger\'s statement', async (t) => {
  if (await performanceSchemaOn(SERVER)) {
    t.skip('performance_schema is ON on the shared server');
    return;
  }
  await withDatabase(SERVER, async (ctx, admin) => {
    await admin.query('CREATE TABLE gm (group_id INT, person_id INT, PRIMARY KEY (group_id, person_id))');
    await admin.query('CREATE TABLE gc (group_id INT PRIMARY KEY, count INT NOT NULL)');
    await admin.query('CREATE TRIGGER instri AFTER INSERT ON gm FOR EACH ROW INSERT INTO gc VALUES (NEW.group_id, 1) ON DUPLICATE KEY UPDATE count = count + 1');
    const hook = stageProfileHook({ sample: { sql: 'INSERT INTO gm VALUES (?, ?)', params: [1, 2], rollback: true }, replays: 2, everyMs: 50 });
    await hook.start(ctx);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const summary = (await hook.stop({ ...ctx, statusDelta: {} })) as FallbackStageProfileSummary;
    assert.deepEqual(summary.recordedAs, ['INSERT INTO gc VALUES (NEW.group_id, 1) ON DUPLICATE KEY UPDATE count = count + 1']);
    assert.match(summary.notes.join('\n'), /1 trigger\(s\)/);
    assert.match(summary.notes.join('\n'), /rolled back/);
    const [rows] = await admin.query('SELECT COUNT(*) AS n FROM gm');
    assert.equal((rows as Array<{ n: number }>)[0]!.n, 0, 'replays were rolled back');
  });
});

test('without a sample statement the fallback reports that it had nothing to profile', async (t) => {
  if (await performanceSchemaOn(SERVER)) {
    t.skip('performance_schema is ON on the shared server');
    return;
  }
  await withDatabase(SERVER, async (ctx) => {
    const hook = stageProfileHook();
    await hook.start(ctx);
    const summary = (await hook.stop({ ...ctx, statusDelta: {} })) as FallbackStageProfileSummary;
    assert.equal(summary.profiled, 0);
    assert.match(summary.notes.join('\n'), /no sample statement/);
  });
});

// ---- performance_schema ON: a private MariaDB ----

function which(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command} || ls /usr/sbin/${command} 2>/dev/null`], { encoding: 'utf8' });
  const path = found.stdout.trim().split('\n')[0];
  return found.status === 0 && path ? path : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface PrivateServer {
  server: typeof SERVER;
  dir: string;
  child: ChildProcess;
}

async function startPrivateServer(installDb: string, mariadbd: string): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ib_ps_'));
  const datadir = join(dir, 'data');
  // --no-defaults first: the machine's my.cnf (user=mysql, its datadir) must not apply.
  const install = spawnSync(installDb, ['--no-defaults', '--user=root', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8', timeout: 20_000 });
  if (install.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  }
  const port = await freePort();
  const child = spawn(
    mariadbd,
    [
      '--no-defaults',
      '--user=root',
      `--datadir=${datadir}`,
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'pid')}`,
      `--log-error=${join(dir, 'error.log')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--performance-schema=ON',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=32M',
    ],
    { stdio: 'ignore' },
  );
  const server = { host: '127.0.0.1', port, user: 'root', password: '' };
  for (let i = 0; i < 100; i++) {
    try {
      const connection = await mysqlPromise.createConnection(server);
      await connection.end();
      return { server, dir, child };
    } catch {
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await stopPrivateServer({ server, dir, child });
  throw new Error(`the private mariadbd did not answer on port ${port}`);
}

async function stopPrivateServer(instance: PrivateServer): Promise<void> {
  if (instance.child.exitCode === null && instance.child.signalCode === null) {
    const exited = new Promise<void>((resolve) => instance.child.once('exit', () => resolve()));
    instance.child.kill('SIGTERM');
    const timer = setTimeout(() => instance.child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(instance.dir, { recursive: true, force: true });
}

async function setupRows(server: typeof SERVER): Promise<string> {
  const connection = await mysqlPromise.createConnection(server);
  try {
    const [instruments] = await connection.query("SELECT NAME, ENABLED, TIMED FROM performance_schema.setup_instruments WHERE NAME LIKE 'statement/%' OR NAME LIKE 'stage/%' ORDER BY NAME");
    const [consumers] = await connection.query('SELECT NAME, ENABLED FROM performance_schema.setup_consumers ORDER BY NAME');
    return JSON.stringify([instruments, consumers]);
  } finally {
    await connection.end();
  }
}

test('performance_schema ON (private MariaDB): stages per statement, triggers marked, setup restored', { timeout: 30_000 }, async (t) => {
  const installDb = which('mariadb-install-db');
  const mariadbd = which('mariadbd');
  if (!installDb || !mariadbd) {
    t.skip('mariadb-install-db or mariadbd is not installed: the performance_schema path cannot be tested here');
    return;
  }
  const instance = await startPrivateServer(installDb, mariadbd);
  try {
    const before = await setupRows(instance.server);
    await withDatabase(instance.server, async (ctx, admin) => {
      await admin.query('CREATE TABLE g (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL UNIQUE)');
      await admin.query('CREATE TABLE gm (group_id INT, person_id INT, PRIMARY KEY (group_id, person_id))');
      await admin.query('CREATE TABLE gc (group_id INT PRIMARY KEY, count INT NOT NULL)');
      await admin.query('CREATE TRIGGER instri AFTER INSERT ON gm FOR EACH ROW INSERT INTO gc VALUES (NEW.group_id, 1) ON DUPLICATE KEY UPDATE count = count + 1');
      await admin.query("INSERT INTO g (name) VALUES ('a'), ('b')");
      // A worker connected before the hook starts: performance_schema still sees it.
      const worker = await mysqlPromise.createConnection(ctx.connection);
      const hook = stageProfileHook({ pollMs: 50 });
      await hook.start(ctx);
      assert.notEqual(await setupRows(instance.server), before, 'instruments and consumers switched on');
      for (let i = 0; i < 10; i++) {
        await worker.execute('INSERT INTO gm VALUES ((SELECT id FROM g WHERE name = ?), ?)', ['a', i]);
        await worker.query('SELECT COUNT(*) FROM g WHERE name = ?', ['b']);
      }
      await new Promise((resolve) => setTimeout(resolve, 120));
      await worker.end();
      const summary = (await hook.stop({ ...ctx, statusDelta: {} })) as PsStageProfileSummary;
      assert.equal(await setupRows(instance.server), before, 'setup_instruments and setup_consumers restored');
      assert.equal(summary.source, PS_LABEL);
      assert.equal(summary.restored, true);
      t.diagnostic(JSON.stringify(summary.statements.map((s) => [s.statement, s.count, s.withStages])));
      // 10 INSERTs (prepared), 10 SELECTs, the PREPARE and the Quit of the worker. The server records
      // the Quit only once the worker's thread has finished, which on a loaded machine can come after
      // the hook's last poll (any query made here to wait for it would be profiled too).
      const quits = summary.statements.filter((s) => s.statement === 'statement/com/Quit').reduce((sum, s) => sum + s.count, 0);
      assert.ok(quits <= 1, `at most the one worker's Quit: ${quits}`);
      assert.equal(summary.statementsSeen, 21 + quits);
      assert.equal(summary.statementsWithStages, 21 + quits);
      assert.ok(summary.stagesReattributed > 0, 'MariaDB nests the INSERT\'s last stages under the trigger\'s statement');
      // MariaDB has no text for a COM_STMT_EXECUTE: the hook names it by what the connection prepared.
      const insert = summary.statements.find((s) => s.statement === 'INSERT INTO gm VALUES ((SELECT id FROM g WHERE name = ?), ?)');
      assert.ok(insert, JSON.stringify(summary.statements.map((s) => s.statement)));
      assert.equal(insert.count, 10);
      assert.equal(insert.firedTriggers.length, 1);
      assert.equal(insert.firedTriggers[0]!.count, 10);
      assert.equal(insert.firedTriggers[0]!.trigger, `${ctx.connection.database}.instri`);
      assert.ok(insert.topStages.length > 0);
      const trigger = summary.statements.find((s) => s.kind === 'trigger');
      assert.ok(trigger);
      assert.equal(trigger.count, 10);
      assert.deepEqual(trigger.firedBy, [insert.statement]);
      assert.ok(!trigger.topStages.some((s) => s.stage === 'stage/sql/Commit'), 'the commit stays with the firing INSERT');
      assert.ok(summary.statements.some((s) => /^SELECT COUNT/.test(s.statement) && s.count === 10));
      assert.equal(summary.preparedStatements.length, 1);
      assert.equal(summary.preparedStatements[0]!.statement, insert.statement);
      assert.equal(summary.preparedStatements[0]!.executions, 10);
      assert.ok(Math.abs(summary.preparedStatements[0]!.totalMs - insert.totalMs) < 0.05 * insert.totalMs + 0.01, `${summary.preparedStatements[0]!.totalMs} vs ${insert.totalMs}`);
      const text = readFileSync(join(ctx.folder.dir, STAGES_FILE), 'utf8');
      assert.equal(text, stageProfileText(summary));
      t.diagnostic(text);
    });
  } finally {
    await stopPrivateServer(instance);
  }
  assert.equal(existsSync(instance.dir), false);
});
