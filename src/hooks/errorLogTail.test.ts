import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseErrorLogDeadlocks } from '../analysis/deadlocks/deadlocks.js';
import { ErrorLogTail } from './errorLogTail.js';

const FIXTURES = new URL('../../../test/fixtures/deadlocks/', import.meta.url);

function withLog(body: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'innobench-errorlog-'));
  try {
    const path = join(dir, 'error.log');
    writeFileSync(path, '2026-11-30 10:31:20 0 [Note] written before the run\n');
    body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('reads only what was appended after it started, in whole lines', () => {
  withLog((path) => {
    const tail = new ErrorLogTail(path);
    assert.equal(tail.readLines(), '');
    appendFileSync(path, 'first line\nsecond li');
    assert.equal(tail.readLines(), 'first line\n', 'a line still being written waits');
    appendFileSync(path, 'ne\n');
    assert.equal(tail.readLines(), 'second line\n');
    assert.equal(tail.shrank, false);
  });
});

test('a character cut in two by a read comes out whole', () => {
  withLog((path) => {
    const tail = new ErrorLogTail(path);
    const line = Buffer.from("query 'größe'\n");
    const cut = line.indexOf(Buffer.from('ö')) + 1;
    appendFileSync(path, line.subarray(0, cut));
    assert.equal(tail.readLines(), '');
    appendFileSync(path, line.subarray(cut));
    assert.equal(tail.readLines(), "query 'größe'\n");
  });
});

test('a deadlock dump read while the server writes it is parsed whole once finished', () => {
  withLog((path) => {
    const tail = new ErrorLogTail(path);
    const dumps = readFileSync(new URL('mariadb-10.11-error-retried-trx.log', FIXTURES), 'utf8').replace(/^(?:#.*\n)+/, '');
    // Stop the server's writing in the middle of the second dump, mid-line.
    const cut = dumps.indexOf('DELETE f FROM', dumps.lastIndexOf('Transactions deadlock detected')) + 10;
    appendFileSync(path, dumps.slice(0, cut));
    let text = tail.readLines();
    const early = parseErrorLogDeadlocks(text);
    assert.equal(early.length, 2);
    assert.equal(early[1]?.victim, null, 'the unfinished dump has no victim yet');
    appendFileSync(path, dumps.slice(cut));
    text += tail.readLines();
    assert.deepEqual(parseErrorLogDeadlocks(text), parseErrorLogDeadlocks(dumps));
  });
});

test('a log that got shorter (rotated, truncated) is read from its start and says so', () => {
  withLog((path) => {
    const tail = new ErrorLogTail(path);
    appendFileSync(path, 'one\n');
    assert.equal(tail.readLines(), 'one\n');
    writeFileSync(path, 'new\n');
    assert.equal(tail.readLines(), 'new\n');
    assert.equal(tail.shrank, true);
  });
});

test('an unreadable log throws at the start', () => {
  assert.throws(() => new ErrorLogTail('/nonexistent/innobench/error.log'), /ENOENT/);
});
