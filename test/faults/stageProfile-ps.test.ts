/**
 * The stage profile's performance_schema path, on a private MariaDB started with
 * performance_schema ON (test/support/disposableServer.ts): the shared server runs with it OFF, and
 * it cannot be switched on without a restart. Stages per statement, statements fired by triggers
 * marked as such, and setup_instruments / setup_consumers exactly as found afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysqlPromise from 'mysql2/promise';
import { PS_LABEL, STAGES_FILE, stageProfileText, type PsStageProfileSummary } from '../../src/hooks/stageProfile/profile.js';
import { stageProfileHook } from '../../src/hooks/stageProfile/hook.js';
import { disposableServerSkipReason, startDisposableServer } from '../support/disposableServer.js';
import { withHookDatabase as withDatabase, type ServerLogin } from '../support/hookContext.js';

const skip = disposableServerSkipReason();

async function setupRows(server: ServerLogin): Promise<string> {
  const connection = await mysqlPromise.createConnection(server);
  try {
    const [instruments] = await connection.query("SELECT NAME, ENABLED, TIMED FROM performance_schema.setup_instruments WHERE NAME LIKE 'statement/%' OR NAME LIKE 'stage/%' ORDER BY NAME");
    const [consumers] = await connection.query('SELECT NAME, ENABLED FROM performance_schema.setup_consumers ORDER BY NAME');
    return JSON.stringify([instruments, consumers]);
  } finally {
    await connection.end();
  }
}

test('performance_schema ON: stages per statement, triggers marked, setup restored', { skip, timeout: 60_000 }, async (t) => {
  const instance = await startDisposableServer({ args: ['--performance-schema=ON'] });
  const server = { host: instance.host, port: instance.port, user: 'root', password: '' };
  try {
    const before = await setupRows(server);
    await withDatabase(server, async (ctx, admin) => {
      await admin.query('CREATE TABLE g (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL UNIQUE)');
      await admin.query('CREATE TABLE gm (group_id INT, person_id INT, PRIMARY KEY (group_id, person_id))');
      await admin.query('CREATE TABLE gc (group_id INT PRIMARY KEY, count INT NOT NULL)');
      await admin.query('CREATE TRIGGER instri AFTER INSERT ON gm FOR EACH ROW INSERT INTO gc VALUES (NEW.group_id, 1) ON DUPLICATE KEY UPDATE count = count + 1');
      await admin.query("INSERT INTO g (name) VALUES ('a'), ('b')");
      // A worker connected before the hook starts: performance_schema still sees it.
      const worker = await mysqlPromise.createConnection(ctx.connection);
      const hook = stageProfileHook({ pollMs: 50 });
      await hook.start(ctx);
      assert.notEqual(await setupRows(server), before, 'instruments and consumers switched on');
      for (let i = 0; i < 10; i++) {
        await worker.execute('INSERT INTO gm VALUES ((SELECT id FROM g WHERE name = ?), ?)', ['a', i]);
        await worker.query('SELECT COUNT(*) FROM g WHERE name = ?', ['b']);
      }
      await new Promise((resolve) => setTimeout(resolve, 120));
      await worker.end();
      const summary = (await hook.stop({ ...ctx, statusDelta: {} })) as PsStageProfileSummary;
      assert.equal(await setupRows(server), before, 'setup_instruments and setup_consumers restored');
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
    await instance.remove();
  }
});
