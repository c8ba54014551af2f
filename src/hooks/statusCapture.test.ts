/** The status capture hook against the shared server (127.0.0.1:3306, root; IB_TEST_* override). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunFolder } from '../results/runFolder.js';
import type { HookContext } from '../engine/runHooks.js';
import { GLOBAL_STATUS_FILE, INNODB_STATUS_FILE, PROCESSLIST_FILE, processlistField, statusCaptureHook, tsLine, type StatusCaptureSummary } from './statusCapture.js';
import { parseGlobalStatusCapture, statusReport } from '../analysis/server/statusReport.js';

const SERVER = {
  host: process.env.IB_TEST_HOST ?? '127.0.0.1',
  port: Number(process.env.IB_TEST_PORT ?? 3306),
  user: process.env.IB_TEST_USER ?? 'root',
  password: process.env.IB_TEST_PASSWORD ?? '',
};

test('tsLine: epoch seconds, ISO time and the three load averages', () => {
  assert.equal(tsLine(1_700_000_000_123, [0.5, 1.25, 2]), 'TS 1700000000.123 2023-11-14T22:13:20.123Z load: 0.50 1.25 2.00');
});

test('processlistField keeps one value on one line', () => {
  assert.equal(processlistField(null), 'NULL');
  assert.equal(processlistField('a\tb\nc\\d'), 'a\\tb\\nc\\\\d');
  assert.equal(processlistField('x\u0000y'), 'x\\x00y');
  assert.match(processlistField('z'.repeat(1500)), /^z{1024}…\(\+476 chars\)$/);
});

test('status capture writes N samples to three files, each headed by the same TS line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ib-status-'));
  try {
    const ctx: HookContext = { connection: { ...SERVER, database: 'mysql' }, folder: RunFolder.create(dir, 'run'), options: {}, scenario: 'test', log: () => undefined };
    const hook = statusCaptureHook(200);
    await hook.start(ctx);
    await new Promise((resolve) => setTimeout(resolve, 900));
    const summary = (await hook.stop({ ...ctx, statusDelta: {} })) as StatusCaptureSummary;
    // One at start, one per 200 ms deadline (4 in 900 ms, fewer if one was skipped), one at stop.
    assert.ok(summary.samples >= 4 && summary.samples <= 6, `samples ${summary.samples}`);
    assert.equal(summary.samples + summary.skipped >= 5, true);
    assert.deepEqual(summary.errors, []);
    assert.deepEqual(summary.files, [GLOBAL_STATUS_FILE, INNODB_STATUS_FILE, PROCESSLIST_FILE]);
    const read = (name: string): string => readFileSync(join(ctx.folder.dir, name), 'utf8');
    const tsOf = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('TS '));
    const heads = tsOf(read(GLOBAL_STATUS_FILE));
    assert.equal(heads.length, summary.samples);
    assert.deepEqual(tsOf(read(INNODB_STATUS_FILE)), heads);
    assert.deepEqual(tsOf(read(PROCESSLIST_FILE)), heads);
    assert.match(heads[0]!, /^TS \d+\.\d{3} \d{4}-\d\d-\d\dT[\d:.]+Z load: [\d.]+ [\d.]+ [\d.]+$/);
    assert.match(read(INNODB_STATUS_FILE), /BUFFER POOL AND MEMORY/);
    assert.match(read(PROCESSLIST_FILE), /^Id\tUser\tHost\tdb\tCommand\tTime\tState\tInfo/m);
    const samples = parseGlobalStatusCapture(read(GLOBAL_STATUS_FILE));
    assert.equal(samples.length, summary.samples);
    assert.ok(samples.every((sample) => sample.values.has('Com_insert') && sample.values.has('Queries') && sample.load !== null));
    const report = statusReport(samples);
    assert.equal(report.intervals.length, summary.samples - 1);
    // The capture's own SHOW GLOBAL STATUS shows up in Queries between samples.
    assert.ok(report.intervals.every((interval) => (interval.deltas.Queries ?? 0) >= 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('statusCaptureHook rejects an interval under 100 ms', () => {
  assert.throws(() => statusCaptureHook(10), /at least 100 ms/);
});
