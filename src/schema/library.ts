/**
 * Preparing one library (one clientFlag's table set): refuse foreign tables, record and create
 * the tables, load the hierarchy, mark it complete. Running it again resumes an interrupted load
 * or, for a complete library with the same spec, does nothing.
 */
import type { ConnectionOptions } from '../config/connection.js';
import type { PromiseConnection } from '../db/connect.js';
import { loadHierarchy, type LoadResult } from '../data/loader.js';
import type { Scale } from '../data/hierarchy.js';
import { progressReporter } from '../data/progress.js';
import { createTableStatements, tablesChildrenFirst } from './ddl.js';
import { assertOwned, ensureRegistry, findLibrary, recordTable, saveLibrary } from './registry.js';
import { libraryTables, type LibraryTables } from './tables.js';

export interface LibrarySpec {
  flag: string;
  design: 'surrogate';
  scale: Scale;
  versions: number[];
  seed: number;
  rowFormat?: string;
}

export type PrepareOutcome = { state: 'already-complete' } | { state: 'loaded'; load: LoadResult };

export async function prepareLibrary(
  control: PromiseConnection,
  connection: ConnectionOptions,
  spec: LibrarySpec,
  concurrency: number,
  log: (line: string) => void,
): Promise<PrepareOutcome> {
  await ensureRegistry(control);
  const tables = libraryTables(spec.flag, spec.versions);
  const existing = await findLibrary(control, spec.flag);
  if (existing) {
    const same = JSON.stringify(existing.spec) === JSON.stringify(spec);
    if (!same) {
      throw new Error(
        `clientFlag ${spec.flag} was prepared with ${JSON.stringify(existing.spec)}; run \`innobench cleanup --flag ${spec.flag} --yes\` first or use another --flag`,
      );
    }
    if (existing.state === 'complete') return { state: 'already-complete' };
    log(`clientFlag ${spec.flag}: resuming an interrupted prepare`);
  } else {
    await assertOwned(control, tablesChildrenFirst(tables));
  }
  await saveLibrary(control, { flag: spec.flag, design: spec.design, spec: { ...spec }, state: 'loading' });
  await createTables(control, tables, spec);
  const load = await loadHierarchy(
    {
      connection,
      tables,
      scale: spec.scale,
      seed: spec.seed,
      concurrency,
      progress: (pending) => progressReporter(`prepare ${spec.flag}`, pending, 'groups'),
    },
    control,
  );
  await saveLibrary(control, { flag: spec.flag, design: spec.design, spec: { ...spec }, state: 'complete' });
  return { state: 'loaded', load };
}

async function createTables(control: PromiseConnection, tables: LibraryTables, spec: LibrarySpec): Promise<void> {
  const statements = createTableStatements(tables, spec.rowFormat ? { rowFormat: spec.rowFormat } : {});
  const names = [tables.group, tables.member, tables.image, ...tables.features.values()];
  for (const [index, statement] of statements.entries()) {
    // Recorded before it is created: a crash in between leaves a name we own, never a table we don't.
    await recordTable(control, names[index]!, spec.flag);
    await control.query(statement.replace(/^CREATE TABLE/, 'CREATE TABLE IF NOT EXISTS'));
  }
}
