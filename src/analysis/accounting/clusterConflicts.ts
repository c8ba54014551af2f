/**
 * Certification conflicts told apart from InnoDB deadlocks. Both reach the client as errno 1213
 * with the same text, so no single error says which it was, except one returned by COMMIT (InnoDB
 * never reports a deadlock there: see db/errors.ts). The split is made with the nodes' counters:
 * every 1213 a client sees is an InnoDB deadlock (Innodb_deadlocks, on the node that chose the
 * victim), a certification failure (wsrep_local_cert_failures) or a brute-force abort by a
 * replicated write (wsrep_local_bf_aborts), each counted on the node where the client's
 * transaction ran. What the server counted and the client never saw was retried by the server
 * (autocommit statements, up to wsrep_retry_autocommit times) or replayed (wsrep_local_replays).
 * Pure: the figures are handed in.
 */
import type { ConflictAccounting, ConflictCounts } from '../../metrics/clusterStatus.js';

export interface ConflictFigures extends ConflictCounts {
  /** @@wsrep_retry_autocommit of each node that answered. */
  retryAutocommit: number[];
}

export function conflictAccounting(f: ConflictFigures): ConflictAccounting {
  const galera = f.certFailures + f.bfAborts;
  // The client's 1213s not explained by InnoDB deadlocks are Galera conflicts; at least those at COMMIT.
  const galeraSeen = Math.max(f.atCommit, f.harness1213 - f.innodbDeadlocks);
  const galeraOnStatements = Math.max(0, galeraSeen - f.atCommit);
  const unseen = Math.max(0, galera - galeraSeen);
  const notes: string[] = [];
  const onStatements = f.harness1213 - f.atCommit;
  notes.push(
    `${f.harness1213} errno 1213 seen: ${f.atCommit} at COMMIT (Galera conflicts), ${onStatements} on statements` +
      (onStatements ? ` (by the nodes' counters: ${onStatements - galeraOnStatements} InnoDB deadlocks, ${galeraOnStatements} brute-force aborts)` : ''),
  );
  if (f.harness1213 > f.innodbDeadlocks + galera) {
    notes.push(`the harness saw ${f.harness1213 - f.innodbDeadlocks - galera} more 1213s than the nodes counted (a node restarted and lost its counters, or another kind of abort)`);
  }
  if (unseen > 0) {
    const retry = f.retryAutocommit.length ? Math.max(...f.retryAutocommit) : null;
    const replayed = Math.min(unseen, f.replays);
    notes.push(
      `${unseen} Galera conflict(s) the nodes counted never reached the harness as 1213: ${replayed ? `${replayed} replayed by the server; ` : ''}` +
        (unseen > replayed
          ? `${unseen - replayed} ${retry ? `may have been retried unseen (autocommit statements are retried by the server, wsrep_retry_autocommit = ${retry}), or` : 'were'} aborts of other clients (the counters are server-wide)`
          : 'none otherwise unaccounted'),
    );
  } else if (f.retryAutocommit.some((r) => r > 0)) {
    notes.push(`wsrep_retry_autocommit = ${Math.max(...f.retryAutocommit)}: an autocommit statement that loses a conflict is retried by the server, unseen by the harness (none this run)`);
  }
  return { harness1213: f.harness1213, atCommit: f.atCommit, innodbDeadlocks: f.innodbDeadlocks, certFailures: f.certFailures, bfAborts: f.bfAborts, replays: f.replays, galeraOnStatements, unseen, note: notes.join('; ') };
}
