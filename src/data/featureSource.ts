/**
 * Features are slices of one large binary file, cut in code while reading (the seed found that
 * better than pre-split files). The file is read once into a SharedArrayBuffer that every worker
 * thread maps; a feature is a Buffer view into it, never a copy.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { seededRandom } from './random.js';

export interface FeatureSource {
  shared: SharedArrayBuffer;
  featureBytes: number;
  /** How many distinct slices the file holds. */
  sliceCount: number;
}

/** The default file: 64 MiB of seeded pseudo-random bytes, about 33 000 distinct 2000-byte features. */
export const DEFAULT_FEATURE_FILE_BYTES = 64 * 1024 * 1024;

export function loadFeatureSource(path: string, featureBytes: number): FeatureSource {
  const size = statSync(path).size;
  if (size < featureBytes) throw new Error(`--feature-file ${path} holds ${size} bytes, less than one ${featureBytes}-byte feature`);
  const shared = new SharedArrayBuffer(size);
  const view = new Uint8Array(shared);
  const fd = openSync(path, 'r');
  try {
    let offset = 0;
    while (offset < size) {
      const read = readSync(fd, view, offset, Math.min(size - offset, 1 << 24), offset);
      if (read === 0) break;
      offset += read;
    }
  } finally {
    closeSync(fd);
  }
  return { shared, featureBytes, sliceCount: Math.floor(size / featureBytes) };
}

/** Writes the default pseudo-random file once; an existing file of the right size is reused. */
export function ensureGeneratedFeatureFile(path: string, bytes = DEFAULT_FEATURE_FILE_BYTES, seed = 1): string {
  if (existsSync(path) && statSync(path).size === bytes) return path;
  mkdirSync(dirname(path), { recursive: true });
  const random = seededRandom(seed);
  const chunk = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < bytes; written += chunk.length) {
      for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE(Math.floor(random() * 4294967296), i);
      writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** The n-th feature (wrapping around the file) as a view into the shared bytes. */
export function featureSlice(source: FeatureSource, n: number): Buffer {
  const index = ((n % source.sliceCount) + source.sliceCount) % source.sliceCount;
  return Buffer.from(source.shared, index * source.featureBytes, source.featureBytes);
}
