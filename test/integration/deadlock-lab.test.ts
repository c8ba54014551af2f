/**
 * The seed's deadlock storm, small: 20 workers replacing the members of one group in the same
 * order deadlock on gap locks; every deadlock is retried, counted and captured, and verification
 * finds every member whole. A strategy that avoids the storm shows fewer rollbacks in the same test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { adminQuery, connectionArgs, createTestDatabase, describeResult, featureFileArgs, readOnlyRunFolder, runCli, tempDir, type TestDatabase } from '../helpers.js';
import type { RunFile } from '../../src/results/types.js';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
  const prepared = await runCli(['prepare', 'replace-member-images', '--flag', 'dl', '--groups', '1', '--members', '20', '--images', '5', ...featureFileArgs(), ...connectionArgs(db.name)]);
  assert.equal(prepared.code, 0, describeResult(prepared));
});
after(async () => {
  await db.drop();
});

/** Whether this process can read the server's error log, as the capture needs to. */
async function errorLogReadable(): Promise<boolean> {
  const [row] = await adminQuery<Array<{ logError: string; datadir: string }>>('SELECT @@log_error AS logError, @@datadir AS datadir');
  if (!row?.logError) return false;
  try {
    accessSync(isAbsolute(row.logError) ? row.logError : join(row.datadir, row.logError), constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

async function lab(strategy: string): Promise<RunFile> {
  const results = tempDir();
  try {
    const args = ['run', 'replace-member-images', '--flag', 'dl', '--strategy', strategy, '--workers', '20', '--duration', '4s', '--interval', '2s', '--results', results.path];
    const result = await runCli([...args, ...featureFileArgs(), ...connectionArgs(db.name)], { timeoutMs: 60_000 });
    assert.equal(result.code, 0, describeResult(result));
    const folder = readOnlyRunFolder(results.path);
    if (strategy === 'delete-insert') {
      const lines = folder.read('deadlocks.jsonl').trim().split('\n').filter(Boolean);
      assert.ok(lines.length >= 1, 'at least one deadlock captured');
      const parsed = JSON.parse(lines[0]!) as { transactions: Array<{ query?: string }>; sources: string[] };
      // MariaDB also reports cycles of three or more transactions.
      assert.ok(parsed.transactions.length >= 2, 'every transaction of the deadlock');
      assert.ok(parsed.transactions.every((t) => t.query && t.query.length > 0), 'each transaction with its statement');
    }
    return folder.run;
  } finally {
    results.remove();
  }
}

test('delete-insert deadlocks are retried, counted, captured; every member stays whole; read-committed rolls back less', { timeout: 120_000 }, async () => {
  const storm = await lab('delete-insert');
  const s = storm.summary!;
  assert.ok(s.deadlocks > 0, 'the storm deadlocks');
  // A worker that deadlocks just as the run stops is neither retried nor exhausted: at most one per worker.
  const abandoned = s.deadlocks + s.lockWaitTimeouts - (s.retries + s.exhausted);
  assert.ok(abandoned >= 0 && abandoned <= 20, `every deadlock was retried or exhausted, but for ${abandoned} cut short by the stop`);
  assert.equal(s.rollbacks, s.deadlocks + s.lockWaitTimeouts + s.errors, 'a ROLLBACK was sent for each failed attempt');
  assert.equal(s.attempts, s.ops + s.retries + s.exhausted + s.errors + abandoned, 'attempts add up');
  assert.ok((storm.status?.delta.Innodb_deadlocks ?? 0) >= s.deadlocks, 'the server counted them too');
  assert.ok((s.deadlockCapture?.captured ?? 0) > 0);
  const capture = s.deadlockCapture!;
  if (await errorLogReadable()) {
    // Every deadlock the server counted is dumped to the log, and each dump is one deadlock, even
    // when a retried statement deadlocks again with the same partner (same printed transaction ids).
    assert.equal(capture.captured, capture.serverCounter, `captured = Innodb_deadlocks delta: ${JSON.stringify({ ...capture, shapes: undefined })}`);
    assert.equal(capture.fromErrorLog, capture.serverCounter, 'the error log alone holds them all');
    assert.equal(capture.missed, 0);
  } else if ((capture.missed ?? 0) > 0) {
    assert.ok(capture.notes.some((note) => note.includes('SHOW ENGINE INNODB STATUS shows only the latest deadlock')), capture.notes.join('\n'));
  } else {
    // Polling alone saw every deadlock the server counted: nothing is reported missing.
    assert.equal(capture.missed, 0, JSON.stringify({ ...capture, shapes: undefined }));
    assert.ok(capture.captured >= (capture.serverCounter ?? Infinity), `captured ${capture.captured} of ${capture.serverCounter}`);
    assert.ok(!capture.notes.some((note) => note.includes('shows only the latest deadlock')), capture.notes.join('\n'));
  }
  assert.equal(s.verification?.ok, true, JSON.stringify(s.verification));
  const printAll = await adminQuery<Array<{ v: number }>>('SELECT @@innodb_print_all_deadlocks AS v');
  assert.equal(Number(printAll[0]!.v), 0, 'innodb_print_all_deadlocks restored');

  const calm = await lab('read-committed');
  const c = calm.summary!;
  assert.equal(c.verification?.ok, true, JSON.stringify(c.verification));
  const ratio = (x: typeof s): number => x.rollbacks / Math.max(1, x.commits);
  assert.ok(ratio(c) < ratio(s), `read-committed ROLLBACKs/commit ${ratio(c).toFixed(3)} < delete-insert ${ratio(s).toFixed(3)}`);
});
