/**
 * Deterministic pseudo-random numbers. Every generated row is derived from (seed, its own path in
 * the hierarchy) rather than from a shared stream, so any slice of the data can be regenerated on
 * its own: that is what makes a prepare resumable and splittable across connections.
 */

/** splitmix32: tiny, fast and well distributed; plenty for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** Mixes a seed with a path of integers into one 32-bit seed (FNV-1a over the words). */
export function deriveSeed(seed: number, ...path: number[]): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (const part of path) {
    hash = Math.imul(hash ^ (part >>> 0), 0x01000193) >>> 0;
    hash = Math.imul(hash ^ (part >>> 16), 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
