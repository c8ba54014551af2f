import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGeneratedFeatureFile, featureSlice, loadFeatureSource } from './featureSource.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ib-features-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A file whose byte i is i mod 251, so any slice's position is recognisable. */
function patternFile(name: string, size: number): string {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = i % 251;
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

test('the file is read whole into a SharedArrayBuffer', () => {
  const path = patternFile('whole.bin', 10_000);
  const source = loadFeatureSource(path, 100);
  assert.ok(source.shared instanceof SharedArrayBuffer);
  assert.equal(source.shared.byteLength, 10_000);
  assert.equal(source.featureBytes, 100);
  assert.equal(source.sliceCount, 100);
  assert.deepEqual(Buffer.from(source.shared), readFileSync(path));
});

test('slices are views into the shared bytes, not copies', () => {
  const source = loadFeatureSource(patternFile('views.bin', 10_000), 100);
  const slice = featureSlice(source, 3);
  assert.equal(slice.buffer, source.shared, 'slice.buffer is the SharedArrayBuffer itself');
  assert.equal(slice.byteOffset, 300);
  assert.equal(slice.length, 100);
  assert.equal(slice[0], 300 % 251);

  // Writing through another view of the shared memory shows in the slice, and the other way round.
  const shared = new Uint8Array(source.shared);
  shared[300] = 0xab;
  shared[399] = 0xcd;
  assert.equal(slice[0], 0xab);
  assert.equal(slice[99], 0xcd);
  slice[1] = 0xef;
  assert.equal(shared[301], 0xef);
  // Two slices of the same feature see the same memory.
  assert.equal(featureSlice(source, 3)[1], 0xef);
});

test('slice length and positions; the last partial feature is never handed out', () => {
  // 1050 bytes of 100-byte features: 10 whole slices, the 50 trailing bytes unused.
  const source = loadFeatureSource(patternFile('partial.bin', 1050), 100);
  assert.equal(source.sliceCount, 10);
  for (let n = 0; n < 25; n++) {
    const slice = featureSlice(source, n);
    assert.equal(slice.length, 100);
    assert.ok(slice.byteOffset + slice.length <= 1000, `slice ${n} ends at ${slice.byteOffset + slice.length}`);
  }
});

test('slice numbers wrap around the file, negatives included', () => {
  const source = loadFeatureSource(patternFile('wrap.bin', 1000), 100);
  assert.equal(featureSlice(source, 10).byteOffset, 0);
  assert.equal(featureSlice(source, 13).byteOffset, 300);
  assert.equal(featureSlice(source, 1_000_003).byteOffset, 300);
  assert.equal(featureSlice(source, -1).byteOffset, 900);
  assert.equal(featureSlice(source, -11).byteOffset, 900);
  assert.deepEqual(featureSlice(source, 17), featureSlice(source, 7));
});

test('a file shorter than one feature is refused with a message naming it', () => {
  const path = patternFile('short.bin', 99);
  assert.throws(() => loadFeatureSource(path, 100), (error: unknown) => error instanceof Error && error.message.includes(path) && /less than one 100-byte feature/.test(error.message));
});

test('the generated file is deterministic for a seed, and differs between seeds', () => {
  const size = 3 * 1024 * 1024 + 10; // several 1 MiB chunks plus a partial one
  const a = ensureGeneratedFeatureFile(join(dir, 'gen', 'a.bin'), size, 42);
  const b = ensureGeneratedFeatureFile(join(dir, 'gen', 'b.bin'), size, 42);
  const c = ensureGeneratedFeatureFile(join(dir, 'gen', 'c.bin'), size, 43);
  assert.equal(statSync(a).size, size);
  const bytesA = readFileSync(a);
  assert.deepEqual(bytesA, readFileSync(b));
  assert.notDeepEqual(bytesA, readFileSync(c));
  // Not trivially constant: the chunks differ from one another.
  assert.notDeepEqual(bytesA.subarray(0, 1024), bytesA.subarray(1024 * 1024, 1024 * 1024 + 1024));
});

test('an existing file of the right size is reused, one of another size regenerated', () => {
  const path = join(dir, 'reuse', 'f.bin');
  ensureGeneratedFeatureFile(path, 4096, 7);
  const original = readFileSync(path);
  // Mark the file: if it were regenerated the mark would be gone.
  const marked = Buffer.from(original);
  marked[0] = marked[0]! ^ 0xff;
  writeFileSync(path, marked);
  assert.equal(ensureGeneratedFeatureFile(path, 4096, 7), path);
  assert.deepEqual(readFileSync(path), marked, 'reused as it was');
  // A truncated file (an interrupted generation) is rewritten whole.
  writeFileSync(path, original.subarray(0, 1000));
  ensureGeneratedFeatureFile(path, 4096, 7);
  assert.deepEqual(readFileSync(path), original);
});
