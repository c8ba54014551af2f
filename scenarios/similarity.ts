/**
 * Scoring for "given an image, which members most likely like it?". A feature is read as 2000
 * unsigned bytes (one dimension each) and compared by cosine similarity: the bytes are opaque
 * here (random test data), and reading them as 500 float32 would give NaN/Infinity for arbitrary
 * bit patterns, while uint8 is defined for every byte string. A member's score is its best image.
 */

export interface Scored {
  member: number | string;
  score: number;
}

export function norm(vector: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return Math.sqrt(sum);
}

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosine(probe: Uint8Array, probeNorm: number, other: Uint8Array): number {
  const length = Math.min(probe.length, other.length);
  let dot = 0;
  let otherSquares = 0;
  for (let i = 0; i < length; i++) {
    const value = other[i]!;
    dot += probe[i]! * value;
    otherSquares += value * value;
  }
  const denominator = probeNorm * Math.sqrt(otherSquares);
  return denominator === 0 ? 0 : dot / denominator;
}

/** Keeps each member's best score and returns the top k, best first (ties by member key). */
export class TopMembers {
  private readonly best = new Map<number | string, number>();

  constructor(
    private readonly probe: Uint8Array,
    private readonly probeNorm = norm(probe),
  ) {}

  add(member: number | string, feature: Uint8Array): void {
    const score = cosine(this.probe, this.probeNorm, feature);
    const known = this.best.get(member);
    if (known === undefined || score > known) this.best.set(member, score);
  }

  top(k: number): Scored[] {
    return [...this.best]
      .map(([member, score]) => ({ member, score }))
      .sort((a, b) => b.score - a.score || String(a.member).localeCompare(String(b.member)))
      .slice(0, k);
  }
}
