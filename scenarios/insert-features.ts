/**
 * The seed's headline benchmark: workers insert the feature of every image of every member of
 * their group(s), one prepared INSERT per row (autocommit), or --batch rows per transaction.
 * Work is split by group (the seed gives each of its ~100 workers one group); when there are
 * fewer groups than workers, a group's images are split between its workers.
 */
import type { SqlValue, WorkerConnection } from '../src/db/workerConnection.js';
import { featureSlice, type FeatureSource } from '../src/data/featureSource.js';
import { defineScenario, type Done } from '../src/engine/scenario.js';
import { countOption, switchOption } from '../src/engine/scenarioOptions.js';
import { openLibrary, pendingFeatureKeys, planGroupShares, sampleImage } from './library.js';

interface State {
  /** Key columns of the pending images, flattened: row r is keys[r·stride … r·stride+stride). */
  keys: Array<string | number>;
  stride: number;
  rows: number;
  cursor: number;
  batch: number;
  insertSql: string;
  features: FeatureSource;
  /** Spreads workers over the feature file so they do not all insert the same bytes. */
  sliceBase: number;
}

/** A unit of work: the index of the first pending row one transaction inserts. */
type Item = number;

export const insertFeatures = defineScenario(import.meta.url, {
  name: 'insert-features',
  description: "insert one feature per image, as the seed's 100-worker insert test",
  defaultOp: 'insert',
  serverNeeds: { privileges: ['SELECT', 'INSERT'], holdsFeatures: true, warmReads: false },
  options: {
    batch: countOption('rows per transaction (1 = autocommit, one statement per row)', 1),
    'model-version': countOption('model version whose feature table is filled', 1),
    fresh: switchOption('empty the feature table before the run (only a table innobench created)', false),
  },

  async plan(ctx, workers) {
    const { assignments, groups, libraries } = await planGroupShares(ctx, workers, ctx.options['model-version']);
    const features = libraries.map((library) => library.feature);
    if (ctx.options.fresh) {
      ctx.log(`--fresh: emptying ${features.join(', ')}`);
      for (const feature of features) await ctx.control.query(`TRUNCATE TABLE \`${feature}\``);
    }
    return {
      assignments,
      accountingTables: features,
      description: `insert-features into ${features.join(', ')} (${libraries.map((l) => l.design.name).join('/')} design, ${groups} groups, batch ${ctx.options.batch})`,
    };
  },

  async workerInit(ctx): Promise<State> {
    const { keys, stride, insertSql } = await pendingFeatureKeys(ctx, ctx.options['model-version']);
    return {
      keys,
      stride,
      rows: keys.length / stride,
      cursor: 0,
      batch: ctx.options.batch,
      insertSql,
      features: ctx.features,
      sliceBase: ctx.workerId * 7919,
    };
  },

  next(state): Item | null {
    if (state.cursor >= state.rows) return null;
    const item = state.cursor;
    state.cursor = Math.min(state.rows, state.cursor + state.batch);
    return item;
  },

  execute(state, connection, item, done) {
    if (state.batch === 1) {
      connection.write(state.insertSql, rowParams(state, item), (error) => (error ? done(error) : done(null, { rows: 1, committed: true })));
    } else insertBatch(state, connection, item, done);
  },

  transactional(options) {
    return options.batch > 1;
  },

  async statements(ctx) {
    const library = await openLibrary(ctx.control, ctx.flag, ctx.modelVersion);
    const image = await sampleImage(ctx.control, library);
    const pendingSql = library.design.pendingFeatureKeysSql(library.tables, library.feature);
    return [
      { name: 'pending images of a share (worker start)', sql: pendingSql, params: [[image.groupKey], 1, 0], mustUseIndex: true },
      { name: 'insert feature', sql: library.design.insertFeatureSql(library.tables, library.feature), params: [...image.keys, Buffer.alloc(ctx.featureBytes)], mustUseIndex: false },
    ];
  },
});

function rowParams(state: State, row: number): SqlValue[] {
  const params: SqlValue[] = state.keys.slice(row * state.stride, (row + 1) * state.stride);
  params.push(featureSlice(state.features, state.sliceBase + row));
  return params;
}

function insertBatch(state: State, connection: WorkerConnection, first: Item, done: Done): void {
  const end = Math.min(state.rows, first + state.batch);
  let row = first;
  const step = (error: unknown): void => {
    if (error) return done(error);
    if (row === end) {
      connection.query('COMMIT', [], (commitError) => (commitError ? done(commitError) : done(null, { rows: end - first, committed: true })));
      return;
    }
    connection.write(state.insertSql, rowParams(state, row++), step);
  };
  connection.query('START TRANSACTION', [], step);
}
