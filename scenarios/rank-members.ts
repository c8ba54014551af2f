/**
 * The store's purpose: given an image, find the members most likely to like it. Each operation
 * takes a probe feature (a slice of the feature file) and a group, reads the features of the
 * group's members — in one query, or one query per member (`--access`), the two access paths the
 * seed compares — scores them in the worker and keeps the top k.
 */
import { performance } from 'node:perf_hooks';
import { readRows, type SqlValue, type WorkerConnection } from '../src/db/workerConnection.js';
import { featureSlice, type FeatureSource } from '../src/data/featureSource.js';
import { deriveSeed, seededRandom } from '../src/data/random.js';
import { TopMembers, type Scored } from './similarity.js';
import { defineScenario, type Outcome } from '../src/engine/scenario.js';
import { choiceOption, countOption } from '../src/engine/scenarioOptions.js';
import { designOf } from '../src/schema/designs/index.js';
import { featureTable, libraryTables } from '../src/schema/tables.js';
import { FIRST_MODEL_VERSION, openLibrary, planGroupShares } from './library.js';

interface State {
  groupKeys: Array<number | string>;
  cursor: number;
  access: 'group' | 'per-member';
  topK: number;
  groupFeaturesSql: string;
  groupMembersSql: string;
  memberFeaturesSql: string;
  /** Member keys per group, read once per worker for the per-member path. */
  membersOfGroup: Map<number | string, SqlValue[][]>;
  features: FeatureSource;
  random: () => number;
}

interface Item {
  groupKey: number | string;
  probeIndex: number;
}

interface Ranking {
  top: Scored[];
  rows: number;
  bytes: number;
  queryMicros: number[];
}

export const rankMembers = defineScenario(import.meta.url, {
  name: 'rank-members',
  description: "rank a group's members by the similarity of their features to a probe image",
  defaultOp: 'rank',
  serverNeeds: { privileges: ['SELECT'], holdsFeatures: true, warmReads: true },
  needsFeatures: true,
  options: {
    access: choiceOption('group: one query for the whole group; per-member: one query per member', ['group', 'per-member'], 'group'),
    'top-k': countOption('members kept per ranking', 10),
  },

  async plan(ctx, workers) {
    const { assignments, groups, libraries } = await planGroupShares(ctx, workers, FIRST_MODEL_VERSION);
    for (const library of libraries) {
      const [count] = await ctx.control.query(`SELECT 1 FROM \`${library.feature}\` LIMIT 1`);
      if ((count as unknown[]).length === 0) throw new Error(`${library.feature} is empty: prepare with --with-features, or run insert-features first`);
    }
    const features = libraries.map((l) => l.feature).join(', ');
    return { assignments, description: `rank-members (${ctx.options.access} access, ${libraries.map((l) => l.design.name).join('/')} design) over ${groups} groups of ${features}` };
  },

  async workerInit(ctx): Promise<State> {
    const design = designOf(ctx.assignment.design);
    const version = FIRST_MODEL_VERSION;
    const tables = libraryTables(ctx.assignment.flag, [version]);
    const feature = featureTable(tables, version);
    return {
      groupKeys: ctx.assignment.groupKeys,
      cursor: ctx.workerId,
      access: ctx.options.access,
      topK: ctx.options['top-k'],
      groupFeaturesSql: design.groupFeaturesSql(tables, feature),
      groupMembersSql: design.groupMembersSql(tables),
      memberFeaturesSql: design.memberFeaturesSql(tables, feature),
      membersOfGroup: new Map(),
      features: ctx.features,
      random: seededRandom(deriveSeed(ctx.data.seed, 19, ctx.workerId)),
    };
  },

  next(state): Item | null {
    if (state.groupKeys.length === 0) return null;
    const groupKey = state.groupKeys[state.cursor++ % state.groupKeys.length]!;
    return { groupKey, probeIndex: Math.floor(state.random() * state.features.sliceCount) };
  },

  execute(state, connection, item, done) {
    const probe = featureSlice(state.features, item.probeIndex);
    const ranking = state.access === 'group' ? rankGroup(state, connection, item.groupKey, probe) : rankPerMember(state, connection, item.groupKey, probe);
    ranking.then(
      (r) => done(null, outcomeOf(r)),
      (error: unknown) => done(error),
    );
  },

  transactional() {
    return false;
  },

  async statements(ctx) {
    const library = await openLibrary(ctx.control, ctx.flag, ctx.modelVersion);
    const [groups] = await ctx.control.query({ sql: library.design.groupKeysSql(library.tables) + ' LIMIT 1', rowsAsArray: true });
    const groupKey = (groups as unknown[][])[0]?.[0] ?? 0;
    const [members] = await ctx.control.query({ sql: library.design.groupMembersSql(library.tables), rowsAsArray: true }, [groupKey]);
    const memberKey = (members as unknown[][])[0] ?? [0];
    const scale = library.spec.scale as { members: number; images: number };
    return [
      { name: 'features of a group', sql: library.design.groupFeaturesSql(library.tables, library.feature), params: [groupKey], mustUseIndex: true, expectedRows: scale.members * scale.images },
      { name: 'members of a group', sql: library.design.groupMembersSql(library.tables), params: [groupKey], mustUseIndex: true, expectedRows: scale.members },
      { name: 'features of a member', sql: library.design.memberFeaturesSql(library.tables, library.feature), params: memberKey, mustUseIndex: true, expectedRows: scale.images },
    ];
  },
});

function outcomeOf(r: Ranking): Outcome {
  return { rows: r.rows, committed: false, bytes: r.bytes, parts: [{ op: 'query', micros: r.queryMicros }] };
}

export async function rankGroup(state: Pick<State, 'groupFeaturesSql' | 'topK'>, connection: WorkerConnection, groupKey: number | string, probe: Uint8Array): Promise<Ranking> {
  const started = performance.now();
  const rows = await readRows(connection, state.groupFeaturesSql, [groupKey]);
  const queryMicros = [(performance.now() - started) * 1000];
  const top = new TopMembers(probe);
  let bytes = 0;
  // Scored on the driver's own Buffers, as received: no copy, no decoding.
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const feature = row[1] as Buffer;
    top.add(row[0] as number | string, feature);
    bytes += feature.length;
  }
  return { top: top.top(state.topK), rows: rows.length, bytes, queryMicros };
}

async function rankPerMember(state: State, connection: WorkerConnection, groupKey: number | string, probe: Uint8Array): Promise<Ranking> {
  let members = state.membersOfGroup.get(groupKey);
  if (!members) {
    members = (await readRows(connection, state.groupMembersSql, [groupKey])) as SqlValue[][];
    state.membersOfGroup.set(groupKey, members);
  }
  const top = new TopMembers(probe);
  const queryMicros: number[] = [];
  let rowsRead = 0;
  let bytes = 0;
  for (const memberKey of members) {
    const started = performance.now();
    const rows = await readRows(connection, state.memberFeaturesSql, memberKey);
    queryMicros.push((performance.now() - started) * 1000);
    const member = memberKey[memberKey.length - 1] as number | string;
    for (let r = 0; r < rows.length; r++) {
      const feature = rows[r]![0] as Buffer;
      top.add(member, feature);
      bytes += feature.length;
    }
    rowsRead += rows.length;
  }
  return { top: top.top(state.topK), rows: rowsRead, bytes, queryMicros };
}
