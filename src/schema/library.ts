/**
 * Preparing one library (one clientFlag's table set): refuse foreign tables, record and create
 * the tables, load them, mark the library complete. Running it again resumes an interrupted load
 * or, for a complete library with the same spec, does nothing.
 */
import type { ConnectionOptions } from '../config/connection.js';
import type { PromiseConnection } from '../db/connect.js';
import { connectWorker } from '../db/drivers/index.js';
import { loadLibrary, type LoadResult } from './loader.js';
import type { Scale } from '../data/hierarchy.js';
import type { FeatureSource } from '../data/featureSource.js';
import { progressReporter } from '../data/progress.js';
import { designOf } from './designs/index.js';
import type { DesignName } from './designs/design.js';
import { loadMemberships, membershipTables, membershipTriggers } from './memberships.js';
import { assertOwned, ensureRegistry, findLibrary, recordTable, saveLibrary } from './registry.js';
import { libraryTables, q, type LibraryTables } from './tables.js';

export interface LibrarySpec {
  flag: string;
  design: DesignName;
  scale: Scale;
  versions: number[];
  seed: number;
  rowFormat?: string;
  /** The many-to-many variant (person, group_member, group_count with triggers). */
  memberships?: boolean;
  /** Features loaded by prepare (bytes per feature), rather than left for a run to insert. */
  withFeatures?: number;
}

export type PrepareOutcome = { state: 'already-complete' } | { state: 'loaded'; load: LoadResult };

export interface PrepareRequest {
  connection: ConnectionOptions;
  spec: LibrarySpec;
  concurrency: number;
  features?: FeatureSource;
  log: (line: string) => void;
}

export async function prepareLibrary(control: PromiseConnection, request: PrepareRequest): Promise<PrepareOutcome> {
  // Two prepares of one library at once would collide on its unique names: the second is refused.
  const lock = `innobench:${request.connection.database}:${request.spec.flag}`;
  const [locked] = await control.query('SELECT GET_LOCK(?, 0) AS got', [lock]);
  if (Number((locked as Array<{ got: number | null }>)[0]?.got) !== 1) {
    throw new Error(`clientFlag ${request.spec.flag} is being prepared by another innobench right now: wait for it, or use another --flag`);
  }
  try {
    return await prepareLocked(control, request);
  } finally {
    await control.query('SELECT RELEASE_LOCK(?)', [lock]);
  }
}

async function prepareLocked(control: PromiseConnection, request: PrepareRequest): Promise<PrepareOutcome> {
  const { spec } = request;
  await ensureRegistry(control);
  const design = designOf(spec.design);
  const tables = libraryTables(spec.flag, spec.versions);
  const planned = plannedTables(tables, spec);
  const existing = await findLibrary(control, spec.flag);
  if (existing) {
    if (JSON.stringify(existing.spec) !== JSON.stringify(spec)) {
      throw new Error(
        `clientFlag ${spec.flag} was prepared with ${JSON.stringify(existing.spec)}; run \`innobench cleanup --flag ${spec.flag} --yes\` first or use another --flag`,
      );
    }
    if (existing.state === 'complete') return { state: 'already-complete' };
    request.log(`clientFlag ${spec.flag}: resuming an interrupted prepare`);
  } else {
    await assertOwned(control, planned.map((entry) => entry.table), spec.flag);
  }
  await saveLibrary(control, { flag: spec.flag, design: spec.design, spec: { ...spec }, state: 'loading' });
  for (const { table, sql } of planned) {
    // Recorded before it is created: a crash in between leaves a name we own, never a table we don't.
    await recordTable(control, table, spec.flag);
    await control.query(sql.replace(/^CREATE TABLE/, 'CREATE TABLE IF NOT EXISTS'));
  }
  const load = await loadLibrary(
    {
      connection: request.connection,
      design,
      tables,
      scale: spec.scale,
      seed: spec.seed,
      concurrency: request.concurrency,
      ...(request.features ? { features: request.features } : {}),
      progress: (pending) => progressReporter(`prepare ${spec.flag}`, pending, 'groups'),
    },
    control,
  );
  if (spec.memberships) load.rows += await prepareMemberships(control, request.connection, tables, spec.seed);
  // Fresh statistics: right after a bulk load InnoDB's estimates can be stale enough to make the
  // optimizer pick a full index scan for the scenarios' lookups (seen on tiny libraries).
  await control.query(`ANALYZE TABLE ${planned.map((entry) => q(entry.table)).join(', ')}`);
  await saveLibrary(control, { flag: spec.flag, design: spec.design, spec: { ...spec }, state: 'complete' });
  return { state: 'loaded', load };
}

/** Every table the spec creates, parents first. */
export function plannedTables(tables: LibraryTables, spec: LibrarySpec): Array<{ table: string; sql: string }> {
  const options = spec.rowFormat ? { rowFormat: spec.rowFormat } : {};
  const planned = designOf(spec.design).createTables(tables, options);
  if (spec.memberships) planned.push(...membershipTables(tables, options));
  return planned;
}

/** Memberships are loaded in one go after the hierarchy; a resumed prepare redoes them whole. */
async function prepareMemberships(control: PromiseConnection, connection: ConnectionOptions, tables: LibraryTables, seed: number): Promise<number> {
  await control.query(`DELETE FROM ${q(tables.groupMember)}`);
  await control.query(`DELETE FROM ${q(tables.groupCount)}`);
  await control.query(`DELETE FROM ${q(tables.person)}`);
  for (const trigger of membershipTriggers(tables)) {
    await control.query(`DROP TRIGGER IF EXISTS ${trigger.match(/TRIGGER (`[^`]+`)/)![1]}`);
    await control.query(trigger);
  }
  // Loaded as the hierarchy is, on the run's driver.
  const loader = await connectWorker(connection);
  try {
    return await loadMemberships(loader, tables, seed);
  } finally {
    await loader.end();
  }
}
