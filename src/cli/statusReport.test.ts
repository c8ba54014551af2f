/** `innobench status-report <run-dir>`: finds the capture in a run folder, or says there is none. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { statusReportCommand } from './statusReport.js';

const CAPTURE = ['TS 1000 x load: 1.00 0 0', 'Com_insert\t100', 'Queries\t500', 'Uptime\t50', 'TS 1002 x load: 2.00 0 0', 'Com_insert\t300', 'Queries\t1300', 'Uptime\t52', ''].join('\n');

function parse(args: string[]): Promise<unknown> {
  return statusReportCommand(
    yargs(args)
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new Error(message);
      }),
  ).parseAsync();
}

test('the status-report command reads <run-dir>/status-capture/global-status.txt', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ib-report-'));
  const written: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  try {
    mkdirSync(join(dir, 'status-capture'));
    writeFileSync(join(dir, 'status-capture', 'global-status.txt'), CAPTURE);
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    await parse(['status-report', dir]);
    process.stdout.write = write;
    assert.match(written.join(''), /^ts\s+time\s+load/);
    assert.match(written.join(''), /Queries\/Com_insert = 4\.00/);
    await assert.rejects(async () => parse(['status-report', join(dir, 'nope')]), /no status capture here/);
  } finally {
    process.stdout.write = write;
    rmSync(dir, { recursive: true, force: true });
  }
});
