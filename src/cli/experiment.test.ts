/**
 * An experiment is a designed matrix: the request it builds is the one the equivalent `matrix`
 * command line builds, parsed by each command's own options, and so is the plan. No server.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import yargs, { type Argv } from 'yargs';
import { PRESETS } from '../experiment/presets.js';
import { withRunDuration } from '../experiment/matrixPlan.js';
import { experimentOptions, experimentRequest } from './experiment.js';
import { matrixOptions, matrixRequest } from './matrix.js';
import { passthroughTokens, planMatrix } from './matrixRequest.js';

/** The options a command's builder makes of these words (defaults filled in), as its handler gets them. */
function parse(words: string[], command: string, builder: (y: Argv) => Argv): Record<string, unknown> {
  let given: Record<string, unknown> | undefined;
  // A copy of the handler's argv: the words after -- are in it only while the handler runs.
  yargs(words)
    .command(command, '', builder, (argv) => {
      given = { ...argv };
    })
    .strict()
    .exitProcess(false)
    .help(false)
    .version(false)
    .parseSync();
  assert.ok(given, `${words.join(' ')}: not parsed`);
  return given;
}

const CONNECTION = ['--host', '127.0.0.1', '--port', '3306', '--user', 'root', '--database', 'ib_exp'];

describe('experiment as a designed matrix', () => {
  test('experiment trx-commit builds the request (and the plan) of the equivalent matrix command', () => {
    const experiment = parse(['experiment', 'trx-commit', '--design', 'runs', '--blocks', '2', '--target-effect', '5%', '--budget', '10m', ...CONNECTION, '--', 'run', 'insert-features', '--workers', '4'], 'experiment <preset>', experimentOptions);
    const matrix = parse(
      ['matrix', '--design', 'runs', '--set', 'innodb_flush_log_at_trx_commit=1,2', '--repeat', '2', '--order', 'blocks', '--seed', '1', '--settle', '5s', '--target-effect', '5%', '--budget', '10m', ...CONNECTION, '--', 'run', 'insert-features', '--workers', '4', '--duration', '30s'],
      'matrix',
      matrixOptions,
    );
    const fromExperiment = experimentRequest(experiment, PRESETS['trx-commit'], PRESETS['trx-commit'].defaultValues, null);
    const fromMatrix = matrixRequest(matrix, passthroughTokens(matrix));
    assert.deepEqual(fromExperiment, fromMatrix);
    const planned = planMatrix(fromExperiment);
    assert.ok(planned.ok, JSON.stringify(planned));
    assert.deepEqual(planned, planMatrix(fromMatrix));
    assert.deepEqual([planned.plan.order, planned.plan.repeat, planned.plan.settleMs, planned.plan.durationMs, planned.plan.targetEffectPct], ['blocks', 2, 5000, 30_000, 5]);
  });

  test('experiment trx-commit by default: the switchback matrix, one 240 s run flipping the setting at 1 s intervals', () => {
    const experiment = parse(['experiment', 'trx-commit', ...CONNECTION, '--', 'run', 'insert-features', '--workers', '4'], 'experiment <preset>', experimentOptions);
    const matrix = parse(
      ['matrix', '--design', 'switchback', '--set', 'innodb_flush_log_at_trx_commit=1,2', '--repeat', '3', '--order', 'blocks', '--settle', '5s', ...CONNECTION, '--', 'run', 'insert-features', '--workers', '4', '--duration', '240s'],
      'matrix',
      matrixOptions,
    );
    const fromExperiment = experimentRequest(experiment, PRESETS['trx-commit'], PRESETS['trx-commit'].defaultValues, null);
    assert.deepEqual(fromExperiment, matrixRequest(matrix, passthroughTokens(matrix)));
    const planned = planMatrix(fromExperiment);
    assert.ok(planned.ok, JSON.stringify(planned));
    assert.equal(planned.plan.switchback, 'innodb_flush_log_at_trx_commit=1,2');
    assert.equal(planned.plan.durationMs, 240_000);
    assert.deepEqual(planned.plan.runArgs.slice(-4), ['--switchback', 'innodb_flush_log_at_trx_commit=1,2', '--interval', '1s']);
  });

  test('--design switchback refuses what one flipped run cannot do, every problem at once', () => {
    const matrix = parse(['matrix', '--design', 'switchback', '--set', 'innodb_flush_log_at_trx_commit=0,1,2', '--set', 'sync_binlog=0,1', '--via-restart', 'sync_binlog', '--restart-cmd', 'x', '--drop-in', 'y', ...CONNECTION, '--', 'run', 'insert-features'], 'matrix', matrixOptions);
    const planned = planMatrix(matrixRequest(matrix, passthroughTokens(matrix)));
    assert.ok(!planned.ok);
    assert.ok(planned.errors.includes('--design switchback: give exactly one --set with two values, A and B (an A/A: two values that make no difference, e.g. innodb_io_capacity=200,201)'), planned.errors.join('\n'));
    assert.ok(planned.errors.includes('--design switchback flips a setting SET GLOBAL changes at once: no --via-restart or --restart-cmd (use --design runs)'), planned.errors.join('\n'));
  });

  test('io-scheduler is the --external matrix with its commands; with no words after -- the default run', () => {
    const experiment = parse(['experiment', 'io-scheduler', '--device', 'sda'], 'experiment <preset>', experimentOptions);
    const matrix = parse(
      ['matrix', '--external', 'io_scheduler=none,kyber', '--apply-cmd', 'apply {value}', '--verify-cmd', 'verify', '--repeat', '2', '--order', 'blocks', '--settle', '5s', '--', 'run', 'insert-features', '--workers', '100', '--interval', '5s', '--duration', '60s'],
      'matrix',
      matrixOptions,
    );
    const scheduler = { external: 'io_scheduler=none,kyber', apply: 'apply {value}', verify: 'verify' };
    assert.deepEqual(experimentRequest(experiment, PRESETS['io-scheduler'], ['none', 'kyber'], scheduler), matrixRequest(matrix, passthroughTokens(matrix)));
  });

  test('a probed redo duration replaces the run duration in the plan, nothing else', () => {
    const experiment = parse(['experiment', 'redo-size', '--values', '48M,1G', '--', 'run', 'insert-features', '--workers', '4'], 'experiment <preset>', experimentOptions);
    const planned = planMatrix(experimentRequest(experiment, PRESETS['redo-size'], ['48M', '1G'], null));
    assert.ok(planned.ok, JSON.stringify(planned));
    const longer = withRunDuration(planned.plan, 120);
    assert.equal(longer.durationMs, 120_000);
    assert.deepEqual(planned.plan.runArgs, ['--workers', '4', '--duration', '60s', '--fresh']);
    assert.deepEqual(longer.runArgs, ['--workers', '4', '--fresh', '--duration', '120s']);
    assert.deepEqual({ ...longer, durationMs: 0, runArgs: [] }, { ...planned.plan, durationMs: 0, runArgs: [] });
  });

  test('an experiment request is checked like a matrix request: every error at once, naming option and value', () => {
    const experiment = parse(['experiment', 'trx-commit', '--blocks', '0', '--settle', 'soon', '--budget', '1m', '--', 'run', 'insert-features', '--workers', 'many'], 'experiment <preset>', experimentOptions);
    const planned = planMatrix(experimentRequest(experiment, PRESETS['trx-commit'], ['1', '2'], null));
    assert.ok(!planned.ok);
    const text = planned.errors.join('\n');
    assert.match(text, /--repeat.*"?0"?/);
    assert.match(text, /--settle.*soon/);
    assert.match(text, /--budget bounds --target-effect/);
    assert.match(text, /run options: --workers "many"/);
  });
});
