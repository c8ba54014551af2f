/**
 * Point reads: one member's features by its key (the read the clustered design is for). Members
 * are picked at random from the worker's groups.
 */
import { queryRows, type SqlValue, type WorkerConnection } from '../src/db/workerConnection.js';
import { deriveSeed, seededRandom } from '../src/data/random.js';
import { defineScenario, type Done, type WorkerContext } from '../src/engine/scenario.js';
import type { GroupShare } from '../src/engine/partition.js';
import { designOf } from '../src/schema/designs/index.js';
import { featureTable, libraryTables } from '../src/schema/tables.js';
import { FIRST_MODEL_VERSION, openLibrary, planGroupShares } from './library.js';

export interface ReadState {
  memberKeys: SqlValue[][];
  sql: string;
  random: () => number;
}

export async function initMemberReads(ctx: WorkerContext<unknown, GroupShare>): Promise<ReadState> {
  const design = designOf(ctx.assignment.design);
  const version = FIRST_MODEL_VERSION;
  const tables = libraryTables(ctx.assignment.flag, [version]);
  const memberKeys: SqlValue[][] = [];
  // Over the text protocol: the server's Com_stmt_execute then counts the measured reads only
  // (bench:sysbench opens its window on it).
  for (const groupKey of ctx.assignment.groupKeys) {
    const rows = await queryRows(ctx.connection, design.groupMembersSql(tables), [groupKey]);
    memberKeys.push(...(rows as SqlValue[][]));
  }
  return { memberKeys, sql: design.memberFeaturesSql(tables, featureTable(tables, version)), random: seededRandom(deriveSeed(ctx.data.seed, 23, ctx.workerId)) };
}

export function pickMember(state: ReadState): SqlValue[] | null {
  if (state.memberKeys.length === 0) return null;
  return state.memberKeys[Math.floor(state.random() * state.memberKeys.length)]!;
}

/** Counts the rows and the bytes of their features, as received: nothing is copied or decoded. */
export function readMember(state: ReadState, connection: WorkerConnection, memberKey: SqlValue[], done: Done): void {
  connection.read(state.sql, memberKey, (error, rows) => {
    if (error) return done(error);
    let bytes = 0;
    for (let r = 0; r < rows.length; r++) bytes += (rows[r]![0] as Buffer).length;
    done(null, { rows: rows.length, committed: false, bytes });
  });
}

export const readMemberFeatures = defineScenario(import.meta.url, {
  name: 'read-member-features',
  description: "read one member's features by its key",
  defaultOp: 'read',
  serverNeeds: { privileges: ['SELECT'], holdsFeatures: true, warmReads: true },
  needsFeatures: true,
  options: {},

  async plan(ctx, workers) {
    const { assignments, groups, libraries } = await planGroupShares(ctx, workers, FIRST_MODEL_VERSION);
    return { assignments, description: `read-member-features from ${libraries.map((l) => l.feature).join(', ')} (${groups} groups)` };
  },
  workerInit: initMemberReads,
  next: pickMember,
  execute: readMember,
  transactional() {
    return false;
  },
  async statements(ctx) {
    const library = await openLibrary(ctx.control, ctx.flag, ctx.modelVersion);
    const [groups] = await ctx.control.query({ sql: library.design.groupKeysSql(library.tables) + ' LIMIT 1', rowsAsArray: true });
    const [members] = await ctx.control.query({ sql: library.design.groupMembersSql(library.tables), rowsAsArray: true }, [(groups as unknown[][])[0]?.[0] ?? 0]);
    const images = (library.spec.scale as { images: number }).images;
    return [{ name: 'features of a member', sql: library.design.memberFeaturesSql(library.tables, library.feature), params: (members as unknown[][])[0] ?? [0], mustUseIndex: true, expectedRows: images }];
  },
});
