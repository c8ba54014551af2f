/**
 * The soak check (`npm run test:soak`, not part of `npm test`: it runs for minutes). A closed-loop
 * read run of SOAK_DURATION (default 3m) on its own database; the harness's RSS must stay flat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { soakReport } from '../../src/analysis/verdicts/soak.js';
import { readClientSamples } from '../../src/results/readRuns.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const duration = process.env.SOAK_DURATION ?? '3m';
/** Allowed growth after warm-up: a leak of a few bytes per operation shows well above this. */
const MAX_SLOPE_MB_PER_MIN = 2;

test(`soak: ${duration} of reads keeps the harness's memory flat`, { timeout: 3_600_000 }, async () => {
  const database = `ib_soak_${Math.random().toString(36).slice(2, 8)}`;
  const results = mkdtempSync(join(tmpdir(), 'ib-soak-'));
  const cli = (...args: string[]): string => execFileSync(process.execPath, [CLI, ...args, '--database', database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    cli('prepare', 'read-member-features', '--flag', 'soak', '--groups', '20', '--members', '50', '--images', '10');
    cli('run', 'read-member-features', '--flag', 'soak', '--workers', '20', '--threads', '2', '--duration', duration, '--interval', '10s', '--results', results);
    const runDir = join(results, readdirSync(results)[0]!);
    const report = soakReport(readClientSamples(runDir));
    process.stderr.write(`soak report: ${JSON.stringify(report)}\n`);
    assert.ok(report.intervals >= 3, 'at least three intervals');
    assert.ok(report.rssSlopeMbPerMin < MAX_SLOPE_MB_PER_MIN, `RSS grows ${report.rssSlopeMbPerMin} MB/min`);
  } finally {
    const connection = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await connection.end();
  }
});
