/**
 * Stage profiles (the attribution's own test is src/analysis/server/stageAttribution.test.ts). The
 * shared server (127.0.0.1:3306) runs with performance_schema OFF, so here the SET profiling
 * fallback is tested; the performance_schema path needs a server started with it ON, a private
 * one: test/faults/stageProfile-ps.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysqlPromise from 'mysql2/promise';
import { FALLBACK_LABEL, STAGES_FILE, type FallbackStageProfileSummary } from '../../src/hooks/stageProfile/profile.js';
import { stageProfileHook } from '../../src/hooks/stageProfile/hook.js';
import { withHookDatabase as withDatabase } from '../support/hookContext.js';

const SERVER = {
  host: process.env.IB_TEST_HOST ?? '127.0.0.1',
  port: Number(process.env.IB_TEST_PORT ?? 3306),
  user: process.env.IB_TEST_USER ?? 'root',
  password: process.env.IB_TEST_PASSWORD ?? '',
};

// ---- the shared server: SET profiling fallback ----

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
