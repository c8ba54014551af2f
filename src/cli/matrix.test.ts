/** The matrix command's checking, with no server: options on either side of --, TLS, secrets, refusals. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractOption } from '../experiment/runArgs.js';
import { matrixRequest } from './matrix.js';
import { planMatrix } from './matrixRequest.js';

const SECRET = 'S3cret-matrix-5d2c';

/** argv as yargs hands it to the command (defaults filled in). */
function argv(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { set: ['innodb_flush_log_at_trx_commit=1,2'], repeat: '2', order: 'interleaved', seed: '1', 'restart-timeout': '120s', results: 'results', json: false, host: '127.0.0.1', port: '3306', user: 'root', ...extra };
}

/** The plan of a matrix command given these options and these words after `--`. */
function planOf(options: Record<string, unknown>, run: readonly string[]): ReturnType<typeof planMatrix> {
  return planMatrix(matrixRequest(options, [...run]));
}

const RUN = ['run', 'insert-features', '--workers', '4', '--duration', '2s'];

describe('matrix options', () => {
  test('extractOption takes every spelling out and returns the last value', () => {
    const tokens = ['--flag', 'x', '--database', 'db1', '--password=s3cret', '--workers', '4', '--database=db2'];
    assert.equal(extractOption(tokens, 'database'), 'db2');
    assert.equal(extractOption(tokens, 'password'), 's3cret');
    assert.equal(extractOption(tokens, 'socket'), undefined);
    assert.deepEqual(tokens, ['--flag', 'x', '--workers', '4']);
  });

  test('connection and TLS options on either side reach the connection, never the run arguments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-matrix-plan-'));
    try {
      const ca = join(dir, 'ca.pem');
      writeFileSync(ca, 'not checked here, only that it is readable');
      const planned = planOf(argv({ 'ssl-mode': 'VERIFY_CA' }), [...RUN, '--ssl-ca', ca, `--password=${SECRET}`, '--database', 'ib_x']);
      assert.ok(planned.ok, JSON.stringify(planned));
      const { plan } = planned;
      assert.deepEqual(plan.connection.ssl, { mode: 'VERIFY_CA', ca });
      assert.equal(plan.connection.password, SECRET);
      assert.equal(plan.connection.database, 'ib_x');
      assert.deepEqual(plan.runArgs, ['--workers', '4', '--duration', '2s', '--fresh']);
      assert.deepEqual(plan.warmupArgs, ['--workers', '4', '--fresh']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--listen and --prometheus-remote-write after -- are checked like run checks them and passed to every run', () => {
    const planned = planOf(argv(), [...RUN, '--listen', '9464', '--prometheus-remote-write', 'http://127.0.0.1:9090/api/v1/write']);
    assert.ok(planned.ok, JSON.stringify(planned));
    assert.deepEqual(planned.plan.runArgs, ['--workers', '4', '--duration', '2s', '--listen', '9464', '--prometheus-remote-write', 'http://127.0.0.1:9090/api/v1/write', '--fresh']);
    const refused = planOf(argv(), [...RUN, '--listen', 'nowhere']);
    assert.ok(!refused.ok && refused.errors.some((error) => error.startsWith('run options: --listen "nowhere"')), JSON.stringify(refused));
  });

  test('--defaults-file: read by the matrix (password included) and passed on as an absolute path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-matrix-plan-'));
    try {
      const file = join(dir, 'ib.cnf');
      writeFileSync(file, `[client]\npassword = ${SECRET}\nssl-mode = REQUIRED\n`);
      const planned = planOf(argv({ 'defaults-file': file, warmup: '1s' }), RUN);
      assert.ok(planned.ok, JSON.stringify(planned));
      assert.equal(planned.plan.defaultsFile, file);
      assert.equal(planned.plan.connection.password, SECRET);
      assert.deepEqual(planned.plan.connection.ssl, { mode: 'REQUIRED' });
      assert.deepEqual(planned.plan.warmupArgs, ['--workers', '4', '--fresh', '--duration', '1000ms']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the restart command is kept as given, and masked for showing (the password too)', () => {
    const planned = planOf(argv({ password: SECRET, 'restart-cmd': `mysqladmin -uroot -p${SECRET} shutdown; echo ${SECRET}`, 'drop-in': 'conf/99-ib.cnf' }), RUN);
    assert.ok(planned.ok, JSON.stringify(planned));
    const restart = planned.plan.restart!;
    assert.equal(restart.command, `mysqladmin -uroot -p${SECRET} shutdown; echo ${SECRET}`);
    assert.equal(restart.shownCommand, 'mysqladmin -uroot -p*** shutdown; echo ***');
    assert.equal(restart.dropIn, join(process.cwd(), 'conf/99-ib.cnf'));
  });

  test('every error at once, each naming its option', () => {
    const planned = planOf(argv({ set: ['x=1,1'], repeat: '0', 'restart-cmd': 'restart', user: 'a', 'ssl-mode': 'SOMETIMES' }), [...RUN, '--user', 'b', '--results', 'elsewhere']);
    assert.ok(!planned.ok);
    const text = planned.errors.join('\n');
    assert.match(text, /--set x: the value 1 is listed twice/);
    assert.match(text, /--repeat/);
    assert.match(text, /--restart-cmd needs --drop-in FILE/);
    assert.match(text, /--user is given both before and after -- with different values/);
    assert.match(text, /--results after --: the matrix sets it/);
    assert.match(text, /--ssl-mode "SOMETIMES": expected one of/);
  });

  test('the run options are checked as `innobench run` checks them', () => {
    const unknown = planOf(argv(), ['run', 'insert-features', '--no-such-option']);
    assert.ok(!unknown.ok);
    assert.match(unknown.errors.join('\n'), /run options: Unknown arguments?: such-option/);
    const badValue = planOf(argv(), ['run', 'insert-features', '--workers', 'many']);
    assert.ok(!badValue.ok);
    assert.match(badValue.errors.join('\n'), /run options: --workers "many"/);
    const wrongScenario = planOf(argv(), ['run', 'nope']);
    assert.ok(!wrongScenario.ok);
    assert.match(wrongScenario.errors.join('\n'), /unknown scenario "nope"/);
  });

  test('blocks, A/A, target and budget, external and via-restart: planned, or refused with every reason', () => {
    const run = ['run', 'insert-features', '--workers', '4', '--duration', '2s'];
    const aa = planOf(argv({ set: undefined, aa: true, order: 'blocks', 'target-effect': '3%', budget: '10m', settle: '5s' }), run);
    assert.ok(aa.ok, JSON.stringify(aa));
    assert.deepEqual(aa.plan.combinations.map((c) => c.label), ['A', "A'"]);
    assert.deepEqual([aa.plan.order, aa.plan.targetEffectPct, aa.plan.budgetMs, aa.plan.settleMs, aa.plan.aa], ['blocks', 3, 600_000, 5000, true]);
    const external = planOf(argv({ set: undefined, external: 'io_scheduler=none,kyber', 'apply-cmd': 'echo {value} > /sys/block/x/queue/scheduler', 'verify-cmd': 'cat f' }), run);
    assert.ok(external.ok, JSON.stringify(external));
    assert.deepEqual(external.plan.external, { name: 'io_scheduler', apply: 'echo {value} > /sys/block/x/queue/scheduler', verify: 'cat f', restore: null });
    assert.deepEqual(external.plan.combinations.map((c) => c.label), ['io_scheduler=none', 'io_scheduler=kyber']);
    const refused = planOf(argv({ aa: true, 'target-effect': 'tight', budget: '5m', external: 'io_scheduler=none', 'apply-cmd': 'echo', 'via-restart': 'back_log' }), run);
    assert.ok(!refused.ok);
    const text = refused.errors.join('\n');
    assert.match(text, /--aa compares the server with itself/);
    assert.match(text, /--target-effect tight: a half-width in percent/);
    assert.match(text, /--target-effect adds A B B A blocks: use it with --order blocks/);
    assert.match(text, /--external needs --apply-cmd/);
    assert.match(text, /--via-restart back_log: not among the --set variables/);
    assert.match(text, /--via-restart needs --restart-cmd and --drop-in/);
  });
});
