/**
 * What scenarios share about a prepared library: finding it (and refusing an unprepared one),
 * splitting its groups between workers, and reading a worker's pending feature keys.
 */
import type { PromiseConnection } from '../src/db/connect.js';
import { queryRows } from '../src/db/workerConnection.js';
import type { ControlContext, WorkerContext } from '../src/engine/scenario.js';
import { assignGroups, workersPerLibrary, type GroupShare } from '../src/engine/partition.js';
import { findLibrary } from '../src/schema/registry.js';
import { designOf } from '../src/schema/designs/index.js';
import type { Design } from '../src/schema/designs/design.js';
import { featureTable, libraryTables, type LibraryTables } from '../src/schema/tables.js';

interface OpenLibrary {
  flag: string;
  design: Design;
  tables: LibraryTables;
  feature: string;
  spec: Record<string, unknown>;
}

/** The feature table a scenario without a --model-version option works on. */
export const FIRST_MODEL_VERSION = 1;

/** A prepared library, with the feature table of `modelVersion`. */
export async function openLibrary(control: PromiseConnection, flag: string, modelVersion: number): Promise<OpenLibrary> {
  const library = await findLibrary(control, flag).catch(() => null);
  if (!library || library.state !== 'complete') {
    throw new Error(`clientFlag ${flag} is not prepared in this database: run \`innobench prepare <scenario> --flag ${flag}\` first`);
  }
  const versions = (library.spec.versions as number[] | undefined) ?? [1];
  const tables = libraryTables(flag, versions);
  return { flag, design: designOf(library.design), tables, feature: featureTable(tables, modelVersion), spec: library.spec };
}

/**
 * Opens every library of the run and splits the workers: worker w works in library w mod n, and
 * within a library the groups are split as `assignGroups` does.
 */
export async function planGroupShares(ctx: ControlContext<unknown>, workers: number, modelVersion: number): Promise<{ assignments: GroupShare[]; groups: number; libraries: OpenLibrary[] }> {
  const libraries = await Promise.all(ctx.data.flags.map((flag) => openLibrary(ctx.control, flag, modelVersion)));
  const counts = workersPerLibrary(libraries.length, workers);
  const perLibrary: GroupShare[][] = [];
  let groups = 0;
  for (const [index, library] of libraries.entries()) {
    const [rows] = await ctx.control.query({ sql: library.design.groupKeysSql(library.tables), rowsAsArray: true });
    const allGroupKeys = (rows as Array<[number | string]>).map((row) => row[0]);
    // --shard i/N: this client machine takes every N-th group, so shards never overlap.
    const shard = ctx.data.shard;
    const groupKeys = shard ? allGroupKeys.filter((_, g) => g % shard.of === shard.index) : allGroupKeys;
    groups += groupKeys.length;
    perLibrary.push(assignGroups(groupKeys, counts[index]!).map((share) => ({ ...share, design: library.design.name, flag: library.flag })));
  }
  const assignments = Array.from({ length: workers }, (_, w) => perLibrary[w % libraries.length]![Math.floor(w / libraries.length)]!);
  return { assignments, groups, libraries };
}

/** The worker's images without a feature yet, flattened key columns, and the INSERT that fills one. */
export async function pendingFeatureKeys(ctx: WorkerContext<unknown, GroupShare>, modelVersion: number): Promise<{ keys: Array<string | number>; stride: number; insertSql: string }> {
  const design = designOf(ctx.assignment.design);
  const tables = libraryTables(ctx.assignment.flag, [modelVersion]);
  const feature = featureTable(tables, modelVersion);
  const stride = design.featureKeyColumns.length;
  const share = ctx.assignment;
  const rows = share.groupKeys.length === 0 ? [] : await queryRows(ctx.connection, design.pendingFeatureKeysSql(tables, feature), [share.groupKeys, share.of, share.part]);
  return { keys: rows.flat() as Array<string | number>, stride, insertSql: design.insertFeatureSql(tables, feature) };
}

/**
 * One real image of the library, for statements that need real parameters (EXPLAIN audit): one
 * still without a feature where there is one, so an audited INSERT would not hit a duplicate.
 */
export async function sampleImage(control: PromiseConnection, library: OpenLibrary): Promise<{ keys: unknown[]; memberId?: number; groupKey: unknown }> {
  const natural = library.design.name === 'natural';
  const select = natural
    ? `SELECT i.group_name, i.member_name, i.file_id FROM \`${library.tables.image}\` i LEFT JOIN \`${library.feature}\` f
       ON f.group_name = i.group_name AND f.member_name = i.member_name AND f.file_id = i.file_id`
    : `SELECT i.id, i.member_id AS memberId, m.group_id AS groupId FROM \`${library.tables.image}\` i
       JOIN \`${library.tables.member}\` m ON m.id = i.member_id LEFT JOIN \`${library.feature}\` f ON f.image_id = i.id`;
  const pendingColumn = natural ? 'f.file_id' : 'f.image_id';
  let [rows] = await control.query(`${select} WHERE ${pendingColumn} IS NULL LIMIT 1`);
  if ((rows as unknown[]).length === 0) [rows] = await control.query(`${select} LIMIT 1`);
  const row = (rows as Array<Record<string, string | number>>)[0];
  if (!row) throw new Error(`${library.tables.image} is empty`);
  if (natural) return { keys: [row.group_name, row.member_name, row.file_id], groupKey: row.group_name };
  const keys = library.design.featureKeyColumns.includes('member_id') ? [row.memberId, row.id] : [row.id];
  return { keys, memberId: Number(row.memberId), groupKey: row.groupId };
}
