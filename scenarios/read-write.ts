/**
 * Inserts under a read load: each operation is a member read with probability --read-ratio, else
 * the next feature insert of the worker's share (as insert-features). Reads and inserts are timed
 * and counted as separate operation types, so insert throughput can be compared with and without
 * readers.
 */
import type { ControlContext, Scenario, WorkerContext } from '../src/engine/scenario.js';
import type { GroupShare } from '../src/engine/partition.js';
import { scenario as insertFeatures } from './insert-features.js';
import { initMemberReads, pickMember, readMember, type ReadState } from './read-member-features.js';

type InsertState = Awaited<ReturnType<typeof insertFeatures.workerInit>>;

interface State {
  insert: InsertState;
  read: ReadState;
  readRatio: number;
}

type Item = { kind: 'read'; memberKey: unknown[] } | { kind: 'insert'; row: number };

export const scenario: Scenario<State, Item, GroupShare> = {
  name: 'read-write',
  description: 'feature inserts mixed with member reads (--read-ratio)',
  defaultOp: 'insert',
  serverNeeds: { privileges: ['SELECT', 'INSERT'], holdsFeatures: true, warmReads: true },
  options: {
    'read-ratio': { describe: 'share of operations that are reads, 0–1', default: '0.5', type: 'string' },
  },

  async plan(ctx: ControlContext, workers: number) {
    const ratio = Number(ctx.options['read-ratio']);
    if (!(ratio >= 0 && ratio <= 1)) throw new Error(`--read-ratio ${String(ctx.options['read-ratio'])}: expected a number from 0 to 1`);
    const plan = await insertFeatures.plan(ctx, workers);
    return { ...plan, description: `${plan.description}, ${Math.round(ratio * 100)} % member reads` };
  },

  async workerInit(ctx: WorkerContext<GroupShare>) {
    const options = { ...ctx.options, batch: 1 };
    return { insert: await insertFeatures.workerInit({ ...ctx, options }), read: await initMemberReads(ctx), readRatio: Number(ctx.options['read-ratio']) };
  },

  next(state) {
    if (state.read.random() < state.readRatio) {
      const memberKey = pickMember(state.read);
      if (memberKey) return { kind: 'read', memberKey };
    }
    const row = insertFeatures.next(state.insert);
    return row === null ? null : { kind: 'insert', row };
  },

  opOf: (item) => item.kind,

  execute(state, connection, item, done) {
    if (item.kind === 'read') readMember(state.read, connection, item.memberKey, done);
    else insertFeatures.execute(state.insert, connection, item.row, done);
  },

  transactional() {
    return false;
  },
};
