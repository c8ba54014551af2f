/**
 * The diagnostics beside a run see a script's statements as they see a built-in's: the stage
 * profile from performance_schema (which the shared server runs without, and which cannot be
 * switched on at run time, hence a private MariaDB started with it) and the slow log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, describeResult, readOnlyRunFolder, runCli, smallFeatureFile, tempDir } from '../helpers.js';
import { disposableServerSkipReason, startDisposableServer, type DisposableServer } from '../support/disposableServer.js';

const skip = disposableServerSkipReason();

describe('a script run with --stage-profile and --slow-log (private MariaDB, performance_schema ON)', { skip, timeout: 180_000 }, () => {
  let server: DisposableServer;
  const results = tempDir('ib-script-diag-');

  before(async () => {
    server = await startDisposableServer({ args: ['--performance-schema=ON'] });
    await server.query('CREATE DATABASE innobench');
    const prepared = await runCli(['prepare', 'replace-member-images', '--groups', '1', '--members', '10', '--images', '3', '--feature-file', smallFeatureFile(), ...server.connectionArgs('innobench')]);
    assert.equal(prepared.code, 0, describeResult(prepared));
  });

  after(async () => {
    await server?.remove();
    results.remove();
  });

  test("the stage profile and the slow log list the script's statements", async () => {
    const script = join(ROOT, 'examples', 'replace-member-images.sql');
    const result = await runCli(
      ['run', '--script', script, '--workers', '4', '--duration', '2s', '--stage-profile', '--slow-log', '0', '--results', results.path, '--feature-file', smallFeatureFile(), ...server.connectionArgs('innobench')],
      { timeoutMs: 120_000 },
    );
    assert.equal(result.code, 0, describeResult(result));
    const folder = readOnlyRunFolder(results.path);
    const stages = folder.read('stages.txt');
    assert.match(stages, /DELETE f FROM `feature_demo_1` f JOIN `image_demo` i/, stages.slice(0, 2000));
    assert.match(stages, /INSERT INTO `image_demo` \(member_id, file_id, description\) VALUES/);
    const slowLog = folder.read('slow-log.csv');
    assert.match(slowLog, /DELETE FROM `image_demo` WHERE member_id = \d+/, 'the slow log holds the statement with its bound values');
  });
});
