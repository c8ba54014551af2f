/**
 * The only schema changes index-check makes: adding a planned index that is missing (and
 * recording it, with its columns, in the registry), and dropping an index it recorded. An index
 * that was there before, or PRIMARY, is never dropped (analysis/index/indexRollback decides).
 */
import type { PromiseConnection } from '../../db/connect.js';
import { ensureIndexRegistry, findAddedIndex, forgetIndex, forgetIndexStatement, recordIndex } from '../../schema/registry.js';
import { serverSnapshot } from '../../db/serverSnapshot.js';
import type { ServerJournal } from '../../serverState/journal.js';
import type { JournalEntry } from '../../serverState/journalTable.js';
import type { IndexStatus } from '../../analysis/index/indexAcceptance.js';
import { addStatement, dropStatement, type PlannedIndex } from '../../analysis/index/indexPlan.js';
import { rollbackAction } from '../../analysis/index/indexRollback.js';
import { formatProgress, runWithProgress } from './alterProgress.js';
import { indexStatuses } from './catalog.js';

export interface AppliedIndex {
  index: string;
  table: string;
  seconds: number;
  error?: string;
  /** A trial's index, journalled until the trial drops it (not part of the report). */
  journalEntry?: JournalEntry;
}

export interface RefusedDrop {
  index: string;
  table: string;
  reason: string;
}

export interface RollbackOutcome {
  dropped: string[];
  refused: RefusedDrop[];
}

interface Output {
  out: (line: string) => void;
  progress: (line: string) => void;
}

/**
 * Adds each missing index of `statuses` (progress read from `monitor`), recording each one added.
 * Each is journalled before its ALTER, so a kill or a signal mid-way drops it again; `keep` (apply)
 * takes it out of the journal once it is added and recorded, a trial leaves it there until dropped.
 */
export async function addMissing(
  control: PromiseConnection,
  monitor: PromiseConnection,
  statuses: readonly IndexStatus[],
  journal: ServerJournal,
  keep: boolean,
  o: Output,
): Promise<AppliedIndex[]> {
  const applied: AppliedIndex[] = [];
  if (statuses.some((s) => s.state === 'missing')) await ensureIndexRegistry(control);
  // An ALTER stopped half-way leaves no index: the undo must not fail then (MySQL has no IF EXISTS here).
  const mariadb = (await serverSnapshot(control)).flavour === 'MariaDB';
  for (const status of statuses) {
    const label = { index: status.index.name, table: status.index.table };
    if (status.state === 'present') {
      o.out(`  ${status.index.name} on ${status.index.table}: already present, skipped`);
      continue;
    }
    if (status.state === 'different') {
      const error = `an index of that name exists with columns (${status.actual?.join(', ')}): drop or rename it first`;
      applied.push({ ...label, seconds: 0, error });
      o.out(`  ${status.index.name} on ${status.index.table}: NOT applied, ${error}`);
      continue;
    }
    const sql = addStatement({ ...status.index, schema: status.schema });
    o.out(`  ${sql}`);
    const added = { schema: status.schema, table: status.index.table, index: status.index.name };
    const entry = await journal.record({
      kind: 'index',
      description: `index ${added.index} on ${added.schema}.${added.table} added by index-check`,
      undoSql: [dropStatement({ ...status.index, schema: status.schema }, mariadb), forgetIndexStatement(added)],
    });
    try {
      const seconds = await runWithProgress(control, monitor, sql, label, (p) => o.progress(formatProgress(p)));
      await recordIndex(control, { ...added, columns: status.index.columns.map((c) => c.name) });
      if (keep) await journal.discard(entry);
      applied.push({ ...label, seconds, ...(keep ? {} : { journalEntry: entry }) });
      o.out(`    done in ${seconds.toFixed(2)} s`);
    } catch (error) {
      await journal.discard(entry);
      const message = error instanceof Error ? error.message : String(error);
      applied.push({ ...label, seconds: 0, error: message });
      o.out(`    FAILED: ${message}`);
    }
  }
  return applied;
}

/** Drops those of `indexes` that innobench added and that are unchanged; refuses the others, with the reason. */
export async function dropAdded(control: PromiseConnection, indexes: readonly PlannedIndex[], defaultSchema: string, o: Pick<Output, 'out'>): Promise<RollbackOutcome> {
  const outcome: RollbackOutcome = { dropped: [], refused: [] };
  for (const status of await indexStatuses(control, indexes, defaultSchema)) {
    const { index, schema } = status;
    const recorded = await findAddedIndex(control, schema, index.table, index.name);
    const decision = rollbackAction(index, status.actual, recorded?.columns ?? null);
    if (decision.action === 'refuse') {
      outcome.refused.push({ index: index.name, table: index.table, reason: decision.reason });
      o.out(`  ${index.table}.${index.name}: REFUSED, ${decision.reason}`);
      continue;
    }
    if (decision.action === 'absent') {
      if (recorded) await forgetIndex(control, recorded);
      o.out(`  ${index.table}.${index.name}: not present, nothing to drop`);
      continue;
    }
    const sql = dropStatement({ ...index, schema });
    await control.query(sql);
    await forgetIndex(control, { schema, table: index.table, index: index.name });
    outcome.dropped.push(sql);
    o.out(`  ${sql}`);
  }
  return outcome;
}
