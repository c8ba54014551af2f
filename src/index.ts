/**
 * innobench's public API: what a scenario module needs to declare itself and do its work — the
 * scenario contract, typed options, the library's tables, feature slices, seeded randomness and
 * the statement helpers the built-in scenarios use (they are written against this same API). The
 * CLI is the `innobench` command; everything else is internal and may change.
 */
export { defineScenario } from './engine/scenario.js';
export type {
  AuditContext,
  AuditStatement,
  ControlContext,
  DataSettings,
  Done,
  OptionSpec,
  OptionSpecs,
  OptionValues,
  Outcome,
  RunPlan,
  Scenario,
  ScenarioSpec,
  Shard,
  Verification,
  WorkerContext,
} from './engine/scenario.js';
export { choiceOption, countOption, fractionOption, switchOption } from './engine/scenarioOptions.js';
export type { PromiseConnection } from './db/connect.js';
export { queryRows, readRows, writeRow, type Row, type SqlValue, type WorkerConnection, type Written } from './db/workerConnection.js';
export { featureSlice, type FeatureSource } from './data/featureSource.js';
export { deriveSeed, seededRandom } from './data/random.js';
export { libraryTables, q, type LibraryTables } from './schema/tables.js';
export { FIRST_MODEL_VERSION, openLibrary } from '../scenarios/library.js';
