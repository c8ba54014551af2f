/**
 * Inserts under a read load: each operation is a member read with probability --read-ratio, else
 * the next feature insert of the worker's share (as insert-features). Reads and inserts are timed
 * and counted as separate operation types, so insert throughput can be compared with and without
 * readers.
 */
import type { SqlValue } from '../src/db/workerConnection.js';
import { defineScenario, type OptionValues } from '../src/engine/scenario.js';
import { fractionOption } from '../src/engine/scenarioOptions.js';
import { insertFeatures } from './insert-features.js';
import { FIRST_MODEL_VERSION } from './library.js';
import { initMemberReads, pickMember, readMember, type ReadState } from './read-member-features.js';

type InsertState = Awaited<ReturnType<typeof insertFeatures.workerInit>>;

interface State {
  insert: InsertState;
  read: ReadState;
  readRatio: number;
}

type Item = { kind: 'read'; memberKey: SqlValue[] } | { kind: 'insert'; row: number };

/** The inserts are insert-features' own: one autocommit row each, into the first model version's table. */
const INSERTS: OptionValues<typeof insertFeatures.options> = { batch: 1, 'model-version': FIRST_MODEL_VERSION, fresh: false };

export const readWrite = defineScenario(import.meta.url, {
  name: 'read-write',
  description: 'feature inserts mixed with member reads (--read-ratio)',
  defaultOp: 'insert',
  serverNeeds: { privileges: ['SELECT', 'INSERT'], holdsFeatures: true, warmReads: true },
  options: {
    'read-ratio': fractionOption('share of operations that are reads, 0–1', '0.5'),
  },

  async plan(ctx, workers) {
    const plan = await insertFeatures.plan({ ...ctx, options: INSERTS }, workers);
    return { ...plan, description: `${plan.description}, ${Math.round(ctx.options['read-ratio'] * 100)} % member reads` };
  },

  async workerInit(ctx): Promise<State> {
    return { insert: await insertFeatures.workerInit({ ...ctx, options: INSERTS }), read: await initMemberReads(ctx), readRatio: ctx.options['read-ratio'] };
  },

  next(state): Item | null {
    if (state.read.random() < state.readRatio) {
      const memberKey = pickMember(state.read);
      if (memberKey) return { kind: 'read', memberKey };
    }
    const row = insertFeatures.next(state.insert);
    return row === null ? null : { kind: 'insert', row };
  },

  opOf: (item: Item) => item.kind,

  execute(state, connection, item, done) {
    if (item.kind === 'read') readMember(state.read, connection, item.memberKey, done);
    else insertFeatures.execute(state.insert, connection, item.row, done);
  },

  transactional() {
    return false;
  },
});
