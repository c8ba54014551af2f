/**
 * How much redo a load writes and how long the redo in effect holds it, from the server's variables
 * (MariaDB and MySQL before 8.0.30 size files, MySQL 8.0.30+ a total capacity). Pure.
 */

export interface RedoSizing {
  bytesPerSec: number;
  /** Redo written by an hour of this load: bytesPerSec × 3600. */
  hourBytes: number;
  filesInGroup: number;
  /** The seed's rule: hourBytes ÷ files in group — the size per file that holds an hour. */
  perFileBytes: number;
  /** The setting in effect during the runs. */
  inEffect: { variable: 'innodb_log_file_size' | 'innodb_redo_log_capacity'; bytes: number; totalBytes: number } | null;
  /** Seconds of this load the redo in effect holds. */
  holdsSeconds: number | null;
}

/**
 * The seed's rule: the redo a configuration writes in an hour, divided by the files in the group
 * (innodb_log_files_in_group; 1 when absent, as MariaDB 10.5+ has a single ib_logfile0), next to
 * the size in effect. innodb_redo_log_capacity (MySQL 8.0.30+) is a total, so it is compared with
 * the whole hour.
 */
export function redoSizing(bytesPerSec: number | null, variables: Record<string, string> | undefined): RedoSizing | null {
  if (bytesPerSec === null || !Number.isFinite(bytesPerSec)) return null;
  const { filesInGroup, inEffect } = redoInEffect(variables);
  const hourBytes = bytesPerSec * 3600;
  return {
    bytesPerSec,
    hourBytes,
    filesInGroup,
    perFileBytes: hourBytes / filesInGroup,
    inEffect,
    holdsSeconds: inEffect && bytesPerSec > 0 ? inEffect.totalBytes / bytesPerSec : null,
  };
}

/** The redo size a server's variables say is in effect, and its files in group. */
export function redoInEffect(variables: Record<string, string> | undefined): { filesInGroup: number; inEffect: RedoSizing['inEffect'] } {
  const vars = variables ?? {};
  const files = Number(vars.innodb_log_files_in_group);
  const filesInGroup = Number.isFinite(files) && files >= 1 ? files : 1;
  const capacity = Number(vars.innodb_redo_log_capacity);
  const fileSize = Number(vars.innodb_log_file_size);
  if (vars.innodb_redo_log_capacity !== undefined && Number.isFinite(capacity) && capacity > 0) {
    return { filesInGroup, inEffect: { variable: 'innodb_redo_log_capacity', bytes: capacity, totalBytes: capacity } };
  }
  if (vars.innodb_log_file_size !== undefined && Number.isFinite(fileSize) && fileSize > 0) {
    return { filesInGroup, inEffect: { variable: 'innodb_log_file_size', bytes: fileSize, totalBytes: fileSize * filesInGroup } };
  }
  return { filesInGroup, inEffect: null };
}
