/**
 * Splitting the work between workers so that no row is done twice: each worker gets whole groups
 * (the seed's one group per worker); with fewer groups than workers, the workers on one group
 * split its rows by id modulo their number.
 */

export interface GroupShare {
  groupIds: number[];
  /** This worker takes the rows whose id % of === part. */
  of: number;
  part: number;
}

export function assignGroups(groupIds: readonly number[], workers: number): GroupShare[] {
  const shares: GroupShare[] = [];
  if (groupIds.length >= workers) {
    for (let w = 0; w < workers; w++) shares.push({ groupIds: groupIds.filter((_, g) => g % workers === w), of: 1, part: 0 });
    return shares;
  }
  for (let w = 0; w < workers; w++) {
    const g = w % groupIds.length;
    const workersOnGroup = Math.floor((workers - 1 - g) / groupIds.length) + 1;
    shares.push({ groupIds: groupIds.length ? [groupIds[g]!] : [], of: workersOnGroup, part: Math.floor(w / groupIds.length) });
  }
  return shares;
}
