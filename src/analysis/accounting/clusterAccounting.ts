/**
 * The accounting claim on a cluster: the rows the harness inserted are the rows the tables gained
 * on EVERY node, once replication has caught up (the counts are read with wsrep_sync_wait, so each
 * node first applies everything committed before). Pure: the counts are handed in.
 */
import type { ClusterAccounting } from '../../metrics/clusterStatus.js';

/** `expectedDelta`: the rows the table gained as the run's own accounting established (harness rows + unacknowledged). */
export function clusterAccounting(harnessRows: number, expectedDelta: number, rowsBefore: number, rowsByNode: Record<string, number | null>): ClusterAccounting {
  const problems: string[] = [];
  for (const [node, rows] of Object.entries(rowsByNode)) {
    if (rows === null) problems.push(`${node} could not be counted`);
    else if (rows - rowsBefore !== expectedDelta) problems.push(`${node} gained ${rows - rowsBefore} rows, expected ${expectedDelta}`);
  }
  const ok = problems.length === 0;
  const note = ok
    ? `harness rows ${harnessRows}${expectedDelta !== harnessRows ? ` (+${expectedDelta - harnessRows} unacknowledged)` : ''} = rows gained on every node (${Object.keys(rowsByNode).length} nodes, counted with wsrep_sync_wait)`
    : problems.join('; ');
  return { ok, rowsByNode, note };
}
