/** The drop-in: written only where no file is or innobench wrote it, atomically, and undone on disk. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DROP_IN_MARKER, DropIn, DropInRefused, dropInContent, isInnobenchDropIn } from './dropIn.js';

function inTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ib-dropin-test-'));
  try {
    body(dir);
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

test('no file there: written, then removed on restore', () => {
  inTempDir((dir) => {
    const dropIn = new DropIn(join(dir, '99-ib.cnf'));
    assert.equal(dropIn.refusal(), null);
    assert.equal(dropIn.restore(), 'untouched', 'nothing written, nothing to undo');
    dropIn.write(dropInContent({ back_log: 60 }, 'a'));
    dropIn.write(dropInContent({ back_log: 70 }, 'b'));
    assert.match(readFileSync(dropIn.path, 'utf8'), /back_log = 70/);
    assert.deepEqual(readdirSync(dir), ['99-ib.cnf'], 'no temporary file left behind');
    assert.equal(dropIn.restore(), 'removed');
    assert.deepEqual(readdirSync(dir), []);
  });
});

test('a file innobench did not create: refused, named, untouched', () => {
  inTempDir((dir) => {
    const path = join(dir, 'my.cnf');
    writeFileSync(path, '[mysqld]\ninnodb_buffer_pool_size = 8G\n');
    const dropIn = new DropIn(path);
    assert.match(dropIn.refusal() ?? '', new RegExp(`--drop-in ${path.replace(/[.]/g, '\\.')}: the file exists and innobench did not create it`));
    assert.throws(() => dropIn.write(dropInContent({ back_log: 60 }, 'a')), DropInRefused);
    assert.equal(readFileSync(path, 'utf8'), '[mysqld]\ninnodb_buffer_pool_size = 8G\n');
    assert.equal(dropIn.restore(), 'untouched');
    assert.deepEqual(readdirSync(dir), ['my.cnf']);
  });
});

test('an earlier innobench drop-in: kept beside it on disk while the matrix runs, put back after', () => {
  inTempDir((dir) => {
    const path = join(dir, '99-ib.cnf');
    const earlier = dropInContent({ back_log: 90 }, 'left by an earlier matrix');
    writeFileSync(path, earlier);
    const dropIn = new DropIn(path);
    assert.equal(dropIn.refusal(), null);
    dropIn.write(dropInContent({ back_log: 60 }, 'a'));
    assert.equal(readFileSync(dropIn.savedPath, 'utf8'), earlier, 'the original is on disk, not only in memory');
    dropIn.write(dropInContent({ back_log: 70 }, 'b'));
    assert.equal(readFileSync(dropIn.savedPath, 'utf8'), earlier, 'a second write keeps the first original');
    assert.equal(dropIn.restore(), 'put back');
    assert.equal(readFileSync(path, 'utf8'), earlier);
    assert.equal(existsSync(dropIn.savedPath), false);
  });
});

test('a saved original left by a matrix that never restored stays the original', () => {
  inTempDir((dir) => {
    const path = join(dir, '99-ib.cnf');
    const original = dropInContent({ back_log: 90 }, 'the original');
    writeFileSync(`${path}.innobench-saved`, original);
    writeFileSync(path, dropInContent({ back_log: 60 }, 'the crashed matrix'));
    const dropIn = new DropIn(path);
    dropIn.write(dropInContent({ back_log: 70 }, 'this matrix'));
    assert.equal(dropIn.restore(), 'put back');
    assert.equal(readFileSync(path, 'utf8'), original);
  });
});

test('a drop-in replaced by someone else during the matrix is left alone', () => {
  inTempDir((dir) => {
    const path = join(dir, '99-ib.cnf');
    const dropIn = new DropIn(path);
    dropIn.write(dropInContent({ back_log: 60 }, 'a'));
    writeFileSync(path, '[mysqld]\nback_log = 100\n');
    assert.throws(() => dropIn.restore(), /was replaced by someone else during the matrix; left as it is/);
    assert.equal(readFileSync(path, 'utf8'), '[mysqld]\nback_log = 100\n');
  });
});
