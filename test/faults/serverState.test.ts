/**
 * Server changes survive no exit path, on a private MariaDB (performance_schema ON, a buffer pool
 * that can shrink to 8 MiB, an error log this process can read, so every diagnostic changes
 * something):
 *
 * - SIGTERM and SIGHUP during `run --slow-log 0 --stage-profile --capture-deadlocks` stop it like
 *   a first Ctrl-C (results saved, exit 143 / 129) and every global and setup row is back;
 * - SIGTERM during `count-features` grows the buffer pool back;
 * - after SIGKILL the next commands report the leftovers, a run that would change the server is
 *   refused, and `innobench restore` puts everything back;
 * - a second `--slow-log` run while one holds the server is refused before changing anything.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describeResult, readOnlyRunFolder, runCli, smallFeatureFile, tempDir, type CliResult } from '../helpers.js';
import { disposableServerSkipReason, onStderrLines, startDisposableServer, type DisposableServer } from '../support/disposableServer.js';

const skip = disposableServerSkipReason();
const DATABASE = 'ib_fault_journal';
const VARIABLES = ['log_output', 'slow_query_log', 'long_query_time', 'innodb_print_all_deadlocks', 'innodb_buffer_pool_size'];

let server: DisposableServer;
let dir: ReturnType<typeof tempDir>;

/** What innobench may change: the globals, and performance_schema's setup rows (as a digest and counts). */
async function serverState(): Promise<Record<string, string>> {
  const variables = await server.query<Array<{ Variable_name: string; Value: string }>>(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(',')})`, VARIABLES);
  const state: Record<string, string> = Object.fromEntries(variables.map((row) => [row.Variable_name, row.Value]));
  const instruments = await server.query<Array<{ NAME: string; ENABLED: string; TIMED: string }>>(
    "SELECT NAME, ENABLED, TIMED FROM performance_schema.setup_instruments WHERE NAME LIKE 'statement/%' OR NAME LIKE 'stage/%' ORDER BY NAME",
  );
  const consumers = await server.query<Array<{ NAME: string; ENABLED: string }>>('SELECT NAME, ENABLED FROM performance_schema.setup_consumers ORDER BY NAME');
  state.instrumentsEnabled = String(instruments.filter((row) => row.ENABLED === 'YES').length);
  state.instruments = createHash('sha1').update(instruments.map((row) => `${row.NAME}=${row.ENABLED}/${row.TIMED}`).join('\n')).digest('hex');
  state.consumers = consumers.map((row) => `${row.NAME}=${row.ENABLED}`).join(' ');
  return state;
}

async function journalRows(): Promise<number> {
  const rows = await server.query<Array<{ n: number }>>(
    `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'innobench_journal'`,
    [DATABASE],
  );
  if (Number(rows[0]!.n) === 0) return 0;
  return Number((await server.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM innobench_journal', [], DATABASE))[0]!.n);
}

// At a fixed rate: unbounded, a quiet machine (and the faster driver) can use up the library's
// 60 000 images across these tests before a signal is due.
function runArgs(root: string, ...extra: string[]): string[] {
  return ['run', 'insert-features', ...server.connectionArgs(DATABASE), '--flag', 'jr', '--workers', '4', '--rate', '1000/s', '--duration', '30s', '--interval', '1s', '--feature-file', smallFeatureFile(), '--results', root, ...extra];
}

const DIAGNOSTICS = ['--slow-log', '0', '--stage-profile', '--capture-deadlocks'];

/** Runs the CLI; when stderr matches `pattern`, reads the server's state and sends `signal`. */
async function runAndSignal(args: string[], pattern: RegExp, signal: NodeJS.Signals): Promise<{ result: CliResult; during: Record<string, string> }> {
  let during: Record<string, string> = {};
  let watching: Promise<void> = Promise.resolve();
  const result = await runCli(args, {
    timeoutMs: 90_000,
    watch: (child: ChildProcess) => {
      watching = onStderrLines(child, [
        {
          pattern,
          action: async () => {
            during = await serverState();
            child.kill(signal);
          },
        },
      ]);
    },
  });
  await watching.catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${describeResult(result)}`);
  });
  return { result, during };
}

describe('server changes are put back however innobench ends (private MariaDB)', { skip, timeout: 300_000 }, () => {
  let original: Record<string, string>;

  before(async () => {
    server = await startDisposableServer({ args: ['--performance-schema=ON', '--innodb-buffer-pool-chunk-size=8M'] });
    dir = tempDir('ib-test-journal-');
    await server.query(`CREATE DATABASE ${DATABASE}`);
    // `jr` for the runs to insert features into; `cf`, with its features, for count-features.
    for (const [flag, scale] of [
      ['jr', ['--groups', '10', '--members', '100', '--images', '60']],
      ['cf', ['--groups', '2', '--members', '50', '--images', '20', '--with-features', '--feature-file', smallFeatureFile()]],
    ] as const) {
      const prepared = await runCli(['prepare', 'insert-features', ...server.connectionArgs(DATABASE), '--flag', flag, ...scale], { timeoutMs: 120_000 });
      assert.equal(prepared.code, 0, describeResult(prepared));
    }
    original = await serverState();
    assert.equal(original.slow_query_log, 'OFF');
    assert.equal(original.innodb_print_all_deadlocks, 'OFF');
  });

  after(async () => {
    await server?.remove();
    dir?.remove();
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    test(`${signal} during a run with every diagnostic: a clean stop (exit ${code}), every global and setup row back`, async (t) => {
      const root = join(dir.path, signal);
      const { result, during } = await runAndSignal([...runArgs(root, ...DIAGNOSTICS), '--json'], /^\[ 2s \]/, signal);
      assert.equal(result.code, code, describeResult(result));
      assert.match(result.stderr, new RegExp(`${signal}: stopping after the operations in flight`));
      // What the run had changed while it ran.
      assert.equal(during.slow_query_log, 'ON');
      assert.equal(during.long_query_time, '0.000000');
      assert.equal(during.log_output, 'TABLE');
      assert.equal(during.innodb_print_all_deadlocks, 'ON');
      assert.notEqual(during.instruments, original.instruments, 'stage instruments switched on');
      assert.deepEqual(await serverState(), original);
      assert.equal(await journalRows(), 0);
      const run = readOnlyRunFolder(root).run;
      assert.equal(run.state, 'interrupted');
      assert.ok(run.summary && run.summary.ops > 0);
      t.diagnostic(`exit ${result.code}; during: ${JSON.stringify({ ...during, instruments: undefined })}`);
    });
  }

  test('SIGTERM during count-features, while the buffer pool is shrunk: it grows back (exit 143)', async (t) => {
    let during: Record<string, string> = {};
    let watching: Promise<void> = Promise.resolve();
    const result = await runCli(['count-features', ...server.connectionArgs(DATABASE), '--flag', 'cf'], {
      timeoutMs: 90_000,
      watch: (child) => {
        watching = onStderrLines(child, [
          {
            pattern: /^evicting: innodb_buffer_pool_size/,
            action: async () => {
              // The signal must land between the shrink (journalled first) and its grow-back.
              for (let i = 0; i < 500; i++) {
                during = await serverState();
                if (during.innodb_buffer_pool_size !== original.innodb_buffer_pool_size) break;
              }
              child.kill('SIGTERM');
            },
          },
        ]);
      },
    });
    await watching;
    assert.equal(result.code, 143, describeResult(result));
    assert.match(result.stderr, /SIGTERM: restoring changed server settings, then exiting/);
    assert.equal(during.innodb_buffer_pool_size, String(8 * 1024 * 1024), 'signalled while shrunk');
    // The resize runs in the background: it may take a moment after the SET GLOBAL.
    let now = await serverState();
    for (let i = 0; i < 50 && now.innodb_buffer_pool_size !== original.innodb_buffer_pool_size; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      now = await serverState();
    }
    assert.deepEqual(now, original);
    assert.equal(await journalRows(), 0);
    t.diagnostic(`buffer pool ${during.innodb_buffer_pool_size} when signalled, ${now.innodb_buffer_pool_size} after`);
  });

  test('SIGKILL: the next commands report what was left changed; `innobench restore` puts it back', async (t) => {
    const root = join(dir.path, 'sigkill');
    const { result } = await runAndSignal(runArgs(root, '--slow-log', '0', '--stage-profile'), /^\[ 2s \]/, 'SIGKILL');
    assert.equal(result.signal, 'SIGKILL', describeResult(result));
    const left = await serverState();
    assert.equal(left.slow_query_log, 'ON', 'nothing could clean up');
    assert.equal(await journalRows(), 2, 'the slow log globals and the setup rows');

    const doctor = await runCli(['doctor', ...server.connectionArgs(DATABASE), '--flag', 'jr', '--workers', '4']);
    assert.equal(doctor.code, 1, describeResult(doctor));
    assert.match(doctor.stdout, /error\s+server changes\s+an innobench that did not end cleanly left this server changed.*slow_query_log = ON \(was 0\).*`innobench restore` puts it back/);

    const plain = await runCli([...runArgs(join(dir.path, 'plain')), '--duration', '2s']);
    assert.equal(plain.code, 0, describeResult(plain));
    assert.match(plain.stderr, /warning: this server still holds changes of an innobench that did not end cleanly; `innobench restore`/);
    assert.match(plain.stderr, /`innobench run insert-features` \(pid \d+ on \S+, since .*\) ended without putting back:/);

    const refused = await runCli([...runArgs(join(dir.path, 'refused')), '--slow-log', '1s']);
    assert.equal(refused.code, 1, describeResult(refused));
    assert.match(refused.stderr, /run refused: an earlier innobench left this server changed; `innobench restore` puts it back/);

    const dryRun = await runCli(['restore', ...server.connectionArgs(DATABASE), '--dry-run']);
    assert.equal(dryRun.code, 0, describeResult(dryRun));
    assert.match(dryRun.stdout, /would restore slow log: .*SET GLOBAL log_output = 'FILE', GLOBAL slow_query_log = 0, GLOBAL long_query_time = 10/);
    assert.equal((await serverState()).slow_query_log, 'ON');

    const restored = await runCli(['restore', ...server.connectionArgs(DATABASE)]);
    assert.equal(restored.code, 0, describeResult(restored));
    assert.match(restored.stdout, /^restored performance_schema: /m);
    assert.match(restored.stdout, /^restored slow log: /m);
    assert.deepEqual(await serverState(), original);
    assert.equal(await journalRows(), 0);
    const again = await runCli(['restore', ...server.connectionArgs(DATABASE)]);
    assert.match(again.stdout, /nothing to put back/);
    t.diagnostic(restored.stdout.trimEnd());
  });

  test('two --slow-log runs at once: the second is refused before it changes anything', async (t) => {
    let second: CliResult | null = null;
    let watching: Promise<void> = Promise.resolve();
    const first = await runCli(runArgs(join(dir.path, 'first'), '--slow-log', '0'), {
      timeoutMs: 90_000,
      watch: (child) => {
        watching = onStderrLines(child, [
          {
            pattern: /^\[ 2s \]/,
            action: async () => {
              second = await runCli([...runArgs(join(dir.path, 'second'), '--slow-log', '1s'), '--duration', '3s']);
              assert.equal((await serverState()).long_query_time, '0.000000', 'the first run\'s setting stands');
              child.kill('SIGINT');
            },
          },
        ]);
      },
    });
    await watching;
    const refused = second as CliResult | null;
    assert.ok(refused);
    assert.equal(refused.code, 1, describeResult(refused));
    assert.match(refused.stderr, /run refused: another innobench, `innobench run insert-features` \(pid \d+ on \S+\), holds changes on this server: log_output = TABLE \(was FILE\), slow_query_log = ON \(was 0\), long_query_time = 0 \(was 10\)\. Two at once would undo each other's changes/);
    assert.equal(first.code, 130, describeResult(first));
    assert.deepEqual(await serverState(), original);
    assert.equal(await journalRows(), 0);
    t.diagnostic(refused.stderr.split('\n').find((line) => /refused/.test(line)) ?? '');
  });
});
