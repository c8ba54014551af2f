/**
 * innobench's public API: what a scenario module needs to declare itself. The CLI is the
 * `innobench` command; everything else is internal and may change.
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
