/**
 * Which scenario a command names: a built-in by name, a module of the user's by path
 * (`./my-scenario.mjs`), or the script scenario when `--script` is given. A module is imported
 * before the command line is declared, so that its options are declared (and checked) like a
 * built-in's.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importScenario, type Scenario } from '../engine/scenario.js';
import { SCENARIOS } from '../../scenarios/index.js';
import { scriptScenario } from '../../scenarios/script.js';
import { ScriptError } from '../script/parse.js';
import { CliError, EXIT_INVALID, invalid } from './exit.js';

const modules = new Map<string, Scenario>();

/** A path rather than a name: starts with ./, ../ or /, or ends in .js or .mjs. */
function isModulePath(argument: string): boolean {
  return /^\.{0,2}\//.test(argument) || /\.m?js$/.test(argument);
}

/** Imports the module that `run` or `explain` names in these arguments, if any. */
export async function preloadScenarioModule(args: string[]): Promise<void> {
  const command = args.findIndex((arg) => !arg.startsWith('-'));
  if (args[command] !== 'run' && args[command] !== 'explain') return;
  const named = args[command + 1];
  if (named === undefined || named.startsWith('-') || !isModulePath(named)) return;
  try {
    modules.set(named, await importScenario(pathToFileURL(resolve(named)).href));
  } catch (error) {
    throw new CliError(`scenario module ${named}: ${error instanceof Error ? error.message : String(error)}`, EXIT_INVALID);
  }
}

/** The scenarios whose options the command line declares: the built-ins, the script scenario, a loaded module. */
export function declaredScenarios(): Scenario[] {
  return [...Object.values(SCENARIOS), scriptScenario, ...modules.values()];
}

export const SCENARIO_POSITIONAL = {
  describe: `a built-in (${Object.keys(SCENARIOS).join(', ')}) or a scenario module (./my-scenario.mjs); none with --script`,
  type: 'string',
} as const;

/** The scenario the command line names; exit 2 when it names none, an unknown one, or one and --script. */
export function chosenScenario(argv: Record<string, unknown>): Scenario {
  const named = argv.scenario === undefined ? undefined : String(argv.scenario);
  if (argv.script !== undefined) {
    if (named !== undefined) throw invalid([`--script runs the script as the scenario: name no other (${named})`]);
    return scriptScenario;
  }
  if (named === undefined) throw invalid(['name a scenario to run, a scenario module (./my-scenario.mjs), or give --script file.sql']);
  const scenario = SCENARIOS[named] ?? modules.get(named);
  if (!scenario) throw invalid([`unknown scenario ${JSON.stringify(named)}: one of ${Object.keys(SCENARIOS).join(', ')}, a module path (./x.mjs), or --script file.sql`]);
  return scenario;
}

/** A script the server refused while planning is an invalid configuration (exit 2), with its file:line errors. */
export function scriptErrorsAsInvalid(error: unknown): never {
  if (error instanceof ScriptError) throw invalid(error.errors);
  throw error;
}
