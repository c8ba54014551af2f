/**
 * Splitting the work between workers so that no row is done twice: each worker gets whole groups
 * (the seed's one group per worker); with fewer groups than workers, the workers on one group
 * split its rows by a hash modulo their number.
 */

export interface GroupShare {
  /** Group ids (or names, in the natural-key design). */
  groupKeys: Array<number | string>;
  /** This worker takes the rows whose hash % of === part. */
  of: number;
  part: number;
  /** The library's design, so a worker needs no lookup of its own. */
  design: string;
  /** The library (clientFlag) this worker works in: with several libraries, each worker keeps to one. */
  flag: string;
}

type Share = Omit<GroupShare, 'design' | 'flag'>;

/** Workers of a run over several libraries: worker w works in library w mod n. */
export function workersPerLibrary(libraries: number, workers: number): number[] {
  return Array.from({ length: libraries }, (_, i) => Math.floor((workers - 1 - i) / libraries) + 1).map((n) => Math.max(0, n));
}

export function assignGroups(groupKeys: ReadonlyArray<number | string>, workers: number): Share[] {
  const shares: Share[] = [];
  if (groupKeys.length >= workers) {
    for (let w = 0; w < workers; w++) shares.push({ groupKeys: groupKeys.filter((_, g) => g % workers === w), of: 1, part: 0 });
    return shares;
  }
  for (let w = 0; w < workers; w++) {
    const g = w % Math.max(1, groupKeys.length);
    const workersOnGroup = Math.floor((workers - 1 - g) / Math.max(1, groupKeys.length)) + 1;
    shares.push({ groupKeys: groupKeys.length ? [groupKeys[g]!] : [], of: workersOnGroup, part: Math.floor(w / Math.max(1, groupKeys.length)) });
  }
  return shares;
}
