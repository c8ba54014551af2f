/**
 * The two sources' deadlocks as one list: what SHOW ENGINE INNODB STATUS polling caught and what
 * the error log holds, each deadlock once, saying which sources caught it. Pure data in and out.
 */
import type { DeadlockSource, ParsedDeadlock } from './deadlocks.js';

/** A deadlock with every source that caught it. */
export interface CapturedDeadlock extends ParsedDeadlock {
  sources: DeadlockSource[];
}

/**
 * One list of deadlocks from what each source caught, in error-log order, then those only the status
 * polling saw. A deadlock polled from SHOW ENGINE INNODB STATUS and dumped to the log is one entry
 * listing both sources: it is matched on its transactions' ids, threads and statement query ids.
 * Transaction ids alone are not enough: MariaDB prints a transaction that has not written yet by
 * its in-memory address, "(0x7f8dbab17e80)", which the connection keeps across retries, so a
 * retried statement that deadlocks again with the same partner repeats both ids; its query id is
 * new. Two reports from one source are never merged: each dump, and each new status section, is a
 * deadlock of its own.
 */
export function mergeSources(fromStatus: ParsedDeadlock[], fromErrorLog: ParsedDeadlock[]): CapturedDeadlock[] {
  const polledAt = new Map<string, number[]>();
  fromStatus.forEach((d, at) => polledAt.set(deadlockIdentity(d), [...(polledAt.get(deadlockIdentity(d)) ?? []), at]));
  const matched = new Set<number>();
  const logged = fromErrorLog.map((d): CapturedDeadlock => {
    const polled = polledAt.get(deadlockIdentity(d))?.find((at) => !matched.has(at));
    if (polled === undefined) return { ...d, sources: ['error-log'] };
    matched.add(polled);
    return { ...d, sources: ['innodb-status', 'error-log'] };
  });
  const polledOnly = fromStatus.filter((_, at) => !matched.has(at)).map((d): CapturedDeadlock => ({ ...d, sources: ['innodb-status'] }));
  return [...logged, ...polledOnly];
}

/** What is the same in both sources' report of one deadlock: per transaction its id, thread and query id. */
function deadlockIdentity(d: ParsedDeadlock): string {
  const parts = d.transactions.map((trx) => `${trx.id}@${trx.threadId ?? ''}#${trx.queryId ?? ''}`);
  return parts.length === 0 ? `at ${d.time}` : parts.sort().join('/');
}
