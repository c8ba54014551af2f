/**
 * The drop-in's content and its refusal of a file innobench did not create, before anything is
 * written (writing and putting back go through the journal: test/faults/matrix.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DROP_IN_MARKER, DropIn, DropInRefused, dropInContent, isInnobenchDropIn } from './dropIn.js';
import { serverJournal } from '../serverState/journal.js';

// Never connected: a refused write stops before the journal is asked.
const journal = serverJournal({ host: '127.0.0.1', port: 1, user: 'nobody', database: 'none' });

async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ib-dropin-test-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the content: the marker first, one [mysqld] group', () => {
  const text = dropInContent({ back_log: 60, innodb_flush_method: 'O_DIRECT' }, 'back_log=60');
  assert.equal(text, `${DROP_IN_MARKER}: back_log=60\n[mysqld]\nback_log = 60\ninnodb_flush_method = O_DIRECT\n`);
  assert.ok(isInnobenchDropIn(text));
  assert.equal(isInnobenchDropIn('[mysqld]\nback_log = 60\n'), false);
  assert.equal(isInnobenchDropIn(`# note\n${DROP_IN_MARKER}\n`), false, 'only the first line counts');
});

test('a file innobench did not create: refused, named, untouched', async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, 'my.cnf');
    writeFileSync(path, '[mysqld]\ninnodb_buffer_pool_size = 8G\n');
    const dropIn = new DropIn(path, journal);
    assert.match(dropIn.refusal() ?? '', new RegExp(`--drop-in ${path.replace(/[.]/g, '\\.')}: the file exists and innobench did not create it`));
    await assert.rejects(dropIn.write(dropInContent({ back_log: 60 }, 'a')), DropInRefused);
    assert.equal(readFileSync(path, 'utf8'), '[mysqld]\ninnodb_buffer_pool_size = 8G\n');
    assert.equal(await dropIn.restore(), 'untouched');
    assert.deepEqual(readdirSync(dir), ['my.cnf']);
    writeFileSync(path, dropInContent({}, 'an earlier matrix'));
    assert.equal(dropIn.refusal(), null, 'an innobench drop-in may be replaced');
  });
});
