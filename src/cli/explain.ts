/**
 * `innobench explain <scenario>` (or `--script file.sql`): the EXPLAIN audit of seed 002. EXPLAINs
 * every statement the scenario (or script) issues, with real parameter values from the prepared library, prints per statement the
 * access type, key, rows estimate (and actual rows on MariaDB), Extra and a verdict, and exits 1
 * when a statement the scenario marks "must use an index" reads a whole table or index.
 */
import type { Argv } from 'yargs';
import { connectControl } from '../db/connect.js';
import { flagError } from '../db/identifiers.js';
import { parseInteger } from '../config/units.js';
import { DEFAULT_ROWS_FACTOR } from '../analysis/index/explainJudge.js';
import { formatAuditTable, runExplainAudit } from '../procedures/explainAudit.js';
import type { AuditContext } from '../engine/scenario.js';
import { scriptAuditStatements, scriptScenario } from '../../scenarios/script.js';
import { SCENARIO_POSITIONAL, chosenScenario } from './scenarioArg.js';
import { CONNECTION_OPTIONS, LIBRARY_OPTIONS, Validator, connectionFrom } from './options.js';
import { CliError, EXIT_FAILED, EXIT_INVALID, invalid } from './exit.js';

export function explainCommand(yargs: Argv): Argv {
  return yargs.command(
    'explain [scenario]',
    "EXPLAIN every statement a scenario issues (real parameters from the prepared library) and flag full scans, filesorts, temporary tables and row estimates above expectation; exits 1 when a must-use-index statement does not use one",
    (y) =>
      y
        .positional('scenario', SCENARIO_POSITIONAL)
        .options({
          ...CONNECTION_OPTIONS,
          script: { ...scriptScenario.options.script, describe: 'audit the statements of these SQL scripts instead of a scenario' },
          flag: LIBRARY_OPTIONS.flag!,
          'model-version': { describe: 'model version whose feature table the statements use', default: 1, type: 'string', group: 'Data:' },
          'feature-bytes': { ...LIBRARY_OPTIONS['feature-bytes']!, describe: 'bytes of the feature value bound to inserts' },
          'rows-factor': { describe: 'flag a statement whose rows estimate exceeds this many times its expected rows', default: DEFAULT_ROWS_FACTOR, type: 'string', group: 'Audit:' },
          analyze: {
            describe: 'MariaDB: also run ANALYZE FORMAT=JSON for actual rows (SELECTs as is; writes inside START TRANSACTION … ROLLBACK, InnoDB only); --no-analyze to skip',
            default: true,
            type: 'boolean',
            group: 'Audit:',
          },
          'refresh-stats': {
            describe: 'run ANALYZE TABLE on the tables the statements use before EXPLAIN (statistics are often stale right after prepare)',
            default: false,
            type: 'boolean',
            group: 'Audit:',
          },
          json: { describe: 'print the structured result on stdout', default: false, type: 'boolean', group: 'Output:' },
        }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      const flag = String(argv.flag);
      v.check(flagError(flag) && `--flag: ${flagError(flag)}`);
      const modelVersion = v.take(parseInteger('model-version', argv['model-version'], 1, 65535), 1);
      const featureBytes = v.take(parseInteger('feature-bytes', argv['feature-bytes'], 1, 65535), 2000);
      const rowsFactor = Number(argv['rows-factor']);
      if (!/^\d+(\.\d+)?$/.test(String(argv['rows-factor']).trim()) || !(rowsFactor > 0)) {
        v.errors.push(`--rows-factor ${JSON.stringify(argv['rows-factor'])}: expected a number greater than zero, e.g. 10`);
      }
      const entry = chosenScenario(argv);
      const scripts = entry === scriptScenario ? v.take(scriptScenario.options.script.parse('script', argv.script), []) : [];
      const listStatements = entry === scriptScenario ? (ctx: AuditContext) => scriptAuditStatements(ctx, scripts) : entry.statements?.bind(entry);
      if (!listStatements) throw new CliError(`scenario ${entry.name} does not list its statements: nothing to audit`, EXIT_INVALID);
      if (v.errors.length) throw invalid(v.errors);

      const control = await connectControl(connection);
      try {
        const statements = await listStatements({ control, flag, modelVersion, featureBytes });
        const result = await runExplainAudit(control, statements, { rowsFactor, analyze: argv.analyze !== false, refreshStatistics: argv['refresh-stats'] === true });
        if (argv.json) process.stdout.write(JSON.stringify({ scenario: entry.name, flag, ...result }, null, 2) + '\n');
        else process.stdout.write(formatAuditTable(result, `EXPLAIN audit of ${entry.name} (clientFlag ${flag})`) + '\n');
        if (!result.pass) {
          throw new CliError(`EXPLAIN audit failed: ${result.failures.length} statement(s) must use an index and do not, or could not be explained`, EXIT_FAILED);
        }
      } finally {
        await control.end();
      }
    },
  );
}
