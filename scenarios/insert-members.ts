/**
 * The seed's member inserts: one autocommit INSERT of a member per operation. The seed saw only
 * 200–300 inserts/s with 10 threads because each insert waited in the commit stage; a sweep over
 * --workers shows how throughput grows with concurrency (`--sweep workers=1,10,50,100`).
 */
import { v4 as uuidv4 } from 'uuid';
import { description } from '../src/data/names.js';
import { deriveSeed, seededRandom } from '../src/data/random.js';
import { defineScenario } from '../src/engine/scenario.js';
import { q } from '../src/schema/tables.js';
import { FIRST_MODEL_VERSION, openLibrary, planGroupShares } from './library.js';

interface State {
  groupKeys: Array<number | string>;
  cursor: number;
  insertSql: string;
  random: () => number;
}

export const insertMembers = defineScenario(import.meta.url, {
  name: 'insert-members',
  description: 'insert new members into groups, one autocommit INSERT each (the seed\'s commit-bound insert)',
  defaultOp: 'insert',
  serverNeeds: { privileges: ['SELECT', 'INSERT'], holdsFeatures: false, warmReads: false },
  options: {},

  async plan(ctx, workers) {
    const { assignments, groups, libraries } = await planGroupShares(ctx, workers, FIRST_MODEL_VERSION);
    const members = libraries.map((library) => library.tables.member);
    return { assignments, accountingTables: members, description: `insert-members into ${members.join(', ')} (${groups} groups)` };
  },

  async workerInit(ctx): Promise<State> {
    const member = `member_${ctx.assignment.flag}`;
    const groupColumn = ctx.assignment.design === 'natural' ? 'group_name' : 'group_id';
    return {
      groupKeys: ctx.assignment.groupKeys,
      cursor: 0,
      insertSql: `INSERT INTO ${q(member)} (${groupColumn}, name, description) VALUES (?, ?, ?)`,
      random: seededRandom(deriveSeed(ctx.data.seed, 17, ctx.workerId)),
    };
  },

  next(state): number | string | null {
    if (state.groupKeys.length === 0) return null;
    return state.groupKeys[state.cursor++ % state.groupKeys.length]!;
  },

  execute(state, connection, groupKey, done) {
    // A fresh uuid per row: names are unique within a group, and reruns must not collide.
    const name = uuidv4().replace(/-/g, '').slice(0, 20);
    connection.write(state.insertSql, [groupKey, name, description(state.random)], (error) => (error ? done(error) : done(null, { rows: 1, committed: true })));
  },

  transactional() {
    return false;
  },

  async statements(ctx) {
    const library = await openLibrary(ctx.control, ctx.flag, ctx.modelVersion);
    const groupColumn = library.design.name === 'natural' ? 'group_name' : 'group_id';
    const [rows] = await ctx.control.query({ sql: library.design.groupKeysSql(library.tables) + ' LIMIT 1', rowsAsArray: true });
    const groupKey = (rows as unknown[][])[0]?.[0] ?? 0;
    return [
      { name: 'insert member', sql: `INSERT INTO ${q(library.tables.member)} (${groupColumn}, name, description) VALUES (?, ?, ?)`, params: [groupKey, 'audit', ''], mustUseIndex: false },
    ];
  },
});
