/**
 * The harness itself is stopped, on a private MariaDB:
 *
 * - SIGKILL mid-run: nothing gets to clean up, yet the run folder parses (run.json valid with state
 *   `running`, CSVs of complete lines, histograms.jsonl of whole JSON lines), the figures it holds
 *   never exceed what the table gained, and `innobench runs` lists the run as incomplete.
 * - SIGINT once: the run stops after the operations in flight, with a summary (state interrupted),
 *   and its accounting still balances.
 * - SIGINT twice: forced exit (130) that still restores the server settings the run changed
 *   (the deadlock lab's innodb_print_all_deadlocks).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describeResult, parseSimpleCsv, readOnlyRunFolder, runCli, smallFeatureFile, tempDir, type CliResult } from '../helpers.js';
import { libraryTables } from '../../src/schema/tables.js';
import type { RunFile } from '../../src/results/types.js';
import { disposableServerSkipReason, onStderrLines, startDisposableServer, type DisposableServer } from '../support/disposableServer.js';

const skip = disposableServerSkipReason();
const DATABASE = 'ib_fault_signals';
const FEATURE = libraryTables('sig', [1]).features.get(1)!;

let server: DisposableServer;
let dir: ReturnType<typeof tempDir>;

async function featureRows(): Promise<number> {
  const rows = await server.query<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM \`${FEATURE}\``, [], DATABASE);
  return Number(rows[0]!.n);
}

async function variable(name: string): Promise<string> {
  const rows = await server.query<Array<{ Value: string }>>('SHOW GLOBAL VARIABLES LIKE ?', [name]);
  return String(rows[0]?.Value);
}

/** Runs the CLI and signals it when a stderr line matches; resolves with the result and when the signals were sent. */
async function runAndSignal(args: string[], pattern: RegExp, signals: NodeJS.Signals[], gapMs = 0): Promise<{ result: CliResult; signalledAt: number }> {
  let signalledAt = 0;
  let watching: Promise<void> = Promise.resolve();
  const result = await runCli(args, {
    timeoutMs: 60_000,
    watch: (child: ChildProcess) => {
      watching = onStderrLines(child, [
        {
          pattern,
          action: async () => {
            signalledAt = Date.now();
            for (const [index, signal] of signals.entries()) {
              if (index > 0 && gapMs) await new Promise((resolve) => setTimeout(resolve, gapMs));
              child.kill(signal);
            }
          },
        },
      ]);
    },
  });
  await watching.catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${describeResult(result)}`);
  });
  return { result, signalledAt };
}

// At a fixed rate: unbounded, a quiet machine can use up the library's 60 000 images before a test's signal is due.
function insertArgs(resultsRoot: string): string[] {
  return ['run', 'insert-features', ...server.connectionArgs(DATABASE), '--flag', 'sig', '--workers', '10', '--rate', '1500/s', '--duration', '30s', '--interval', '1s', '--feature-file', smallFeatureFile(), '--results', resultsRoot];
}

/** A CSV file of whole lines: ends with a newline, every row as wide as the header, seq 1..n. */
function assertWholeCsv(text: string, name: string): number {
  assert.ok(text.endsWith('\n'), `${name} ends mid-line`);
  const { rows } = parseSimpleCsv(text);
  const seqs = [...new Set(rows.map((row) => Number(row.seq)))];
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `${name} seq numbers`);
  return rows.length;
}

describe('the harness is stopped (private MariaDB)', { skip, timeout: 180_000 }, () => {
  before(async () => {
    server = await startDisposableServer();
    dir = tempDir('ib-test-signals-');
    await server.query(`CREATE DATABASE ${DATABASE}`);
    for (const [scenario, flag, scale] of [
      ['insert-features', 'sig', ['--groups', '10', '--members', '100', '--images', '60']],
      ['replace-member-images', 'dl', ['--groups', '1', '--members', '40', '--images', '10', '--feature-file', smallFeatureFile()]],
    ] as const) {
      const prepared = await runCli(['prepare', scenario, ...server.connectionArgs(DATABASE), '--flag', flag, ...scale], { timeoutMs: 120_000 });
      assert.equal(prepared.code, 0, describeResult(prepared));
    }
  });

  after(async () => {
    await server?.remove();
    dir?.remove();
  });

  test('SIGKILL mid-run: the files parse, run.json says running, `innobench runs` lists it as incomplete', async (t) => {
    const root = join(dir.path, 'sigkill');
    const rowsBefore = await featureRows();
    const { result } = await runAndSignal(insertArgs(root), /^\[ 3s \]/, ['SIGKILL']);
    assert.equal(result.signal, 'SIGKILL', describeResult(result));
    const folder = readOnlyRunFolder(root);
    const run = folder.run;
    assert.equal(run.state, 'running');
    assert.equal(run.endedAt, undefined);
    assert.ok(run.summary && run.summary.ops > 0, 'the figures of the intervals written so far');
    const timelineRows = assertWholeCsv(folder.read('timeline.csv'), 'timeline.csv');
    const statusRows = assertWholeCsv(folder.read('status.csv'), 'status.csv');
    const histogramLines = folder.read('histograms.jsonl').split('\n');
    assert.equal(histogramLines.pop(), '', 'histograms.jsonl ends with a newline');
    for (const line of histogramLines) JSON.parse(line);
    // What run.json claims was committed is in the table (the killed process's last inserts may add more).
    const gained = (await featureRows()) - rowsBefore;
    assert.ok(gained >= run.summary!.rows, `run.json says ${run.summary!.rows} rows, the table gained ${gained}`);
    t.diagnostic(`run.json: state ${run.state}, ${run.summary!.ops} ops at ${run.summary!.elapsedSec} s; timeline ${timelineRows} rows, status ${statusRows} rows; table +${gained}; files ${folder.files.join(' ')}`);

    // Right after the kill run.json is fresh, so `runs` cannot yet tell a killed run from a live one.
    const fresh = await runCli(['runs', '--results', root, '--json']);
    assert.equal(fresh.code, 0, describeResult(fresh));
    const freshState = (JSON.parse(fresh.stdout) as Array<{ state: string }>)[0]!.state;
    assert.ok(['running', 'incomplete'].includes(freshState), freshState);
    // A minute later (run.json's mtime set back): incomplete.
    const runJson = join(folder.dir, 'run.json');
    const past = new Date(Date.now() - 60_000);
    utimesSync(runJson, past, past);
    const listed = await runCli(['runs', '--results', root]);
    assert.equal(listed.code, 0, describeResult(listed));
    assert.match(listed.stdout, new RegExp(`${run.runId}\\s+insert-features\\s+incomplete \\(still "running": killed\\?\\)`));
    t.diagnostic(`right after the kill: ${freshState}; a minute later:\n${listed.stdout.trimEnd()}`);
    assert.ok(statSync(runJson).mtimeMs < Date.now() - 30_000);
  });

  test('SIGINT once: stops after the operations in flight, with a summary (state interrupted)', async (t) => {
    const root = join(dir.path, 'sigint');
    const rowsBefore = await featureRows();
    const { result, signalledAt } = await runAndSignal([...insertArgs(root), '--json'], /^\[ 2s \]/, ['SIGINT']);
    const stoppedWithinMs = Date.now() - signalledAt;
    assert.equal(result.code, 130, describeResult(result)); // an interrupted run exits as SIGINT-stopped programs do
    assert.match(result.stderr, /SIGINT: stopping after the operations in flight/);
    assert.match(result.stderr, /run \S+ interrupted \(interrupted\) after [\d.]+s/);
    const run = JSON.parse(result.stdout) as RunFile;
    assert.equal(run.state, 'interrupted');
    assert.equal(run.summary!.endReason, 'interrupted');
    assert.ok(run.summary!.elapsedSec < 10, `elapsed ${run.summary!.elapsedSec} s of a 30 s run`);
    assert.ok(stoppedWithinMs < 10_000, `exited ${stoppedWithinMs} ms after SIGINT`);
    assert.deepEqual(readOnlyRunFolder(root).run.state, 'interrupted');
    // Stopped cleanly: every operation either committed and counted, or never sent.
    const gained = (await featureRows()) - rowsBefore;
    assert.equal(gained, run.summary!.rows);
    assert.equal(run.summary!.accounting?.ok, true, run.summary!.accounting?.note);
    t.diagnostic(`exit ${result.code} ${stoppedWithinMs} ms after SIGINT; ${run.summary!.ops} ops in ${run.summary!.elapsedSec} s; table +${gained}; ${result.stderr.split('\n').filter((line) => /SIGINT|interrupted|accounting/.test(line)).join(' / ')}`);
  });

  test('SIGINT twice: forced exit 130, the server settings the run changed restored', async (t) => {
    const root = join(dir.path, 'sigint-twice');
    assert.equal(await variable('innodb_print_all_deadlocks'), 'OFF');
    let during = '';
    let watching: Promise<void> = Promise.resolve();
    let signalledAt = 0;
    const result = await runCli(
      ['run', 'replace-member-images', ...server.connectionArgs(DATABASE), '--flag', 'dl', '--workers', '20', '--duration', '30s', '--interval', '1s', '--feature-file', smallFeatureFile(), '--results', root],
      {
        timeoutMs: 60_000,
        watch: (child) => {
          watching = onStderrLines(child, [
            {
              pattern: /^\[ 2s \]/,
              action: async () => {
                during = await variable('innodb_print_all_deadlocks');
                signalledAt = Date.now();
                child.kill('SIGINT');
                await new Promise((resolve) => setTimeout(resolve, 20));
                child.kill('SIGINT');
              },
            },
          ]);
        },
      },
    );
    await watching;
    const exitedWithinMs = Date.now() - signalledAt;
    assert.equal(result.code, 130, describeResult(result));
    assert.match(result.stderr, /second SIGINT: restoring changed server settings, then exiting/);
    assert.equal(during, 'ON', 'the run had turned innodb_print_all_deadlocks ON');
    assert.equal(await variable('innodb_print_all_deadlocks'), 'OFF', 'restored on the forced exit');
    assert.ok(exitedWithinMs < 5000, `forced exit took ${exitedWithinMs} ms`);
    // Whatever state it was left in, run.json parses.
    const runDirs = readdirSync(root);
    assert.equal(runDirs.length, 1);
    const run = JSON.parse(readFileSync(join(root, runDirs[0]!, 'run.json'), 'utf8')) as RunFile;
    t.diagnostic(`exit ${result.code} ${exitedWithinMs} ms after the first SIGINT; innodb_print_all_deadlocks ${during} during, OFF after; run.json state ${run.state}`);
  });
});
