/**
 * What index-check's rollback may drop: only an index innobench itself added (recorded in the
 * registry when it was added), only while it still has the columns it was added with, never the
 * primary key and never an index that was there before. Pure: the caller reads the server and the
 * registry, this decides.
 */
import { sameName } from '../../sql/sqlText.js';

export type RollbackAction = { action: 'drop' } | { action: 'absent' } | { action: 'refuse'; reason: string };

export function rollbackAction(
  index: { name: string },
  /** The index's columns on the server now; undefined when there is no index of that name. */
  actual: readonly string[] | undefined,
  /** The columns innobench recorded when it added the index; null when it never did. */
  recorded: readonly string[] | null,
): RollbackAction {
  if (sameName(index.name, 'PRIMARY')) return { action: 'refuse', reason: 'the primary key is never dropped' };
  if (!actual) return { action: 'absent' };
  if (!recorded) return { action: 'refuse', reason: 'not added by innobench (it existed before, or was added by hand): not dropped' };
  const same = actual.length === recorded.length && actual.every((c, k) => sameName(c, recorded[k]!));
  if (!same) return { action: 'refuse', reason: `has (${actual.join(', ')}) now, innobench added it with (${recorded.join(', ')}): changed since, not dropped` };
  return { action: 'drop' };
}
