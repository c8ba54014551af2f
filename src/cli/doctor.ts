/**
 * `innobench doctor [--scenario S --workers N --scale small --with-features]`: checks the server
 * against the planned benchmark and prints each check as ok / warning / error (connection, server,
 * privileges, performance_schema, connections, disk, settings that make figures misleading).
 * Exits 1 when any check is an error. The checks live in src/procedures/doctor/.
 */
import type { Argv } from 'yargs';
import { connectControl } from '../db/connect.js';
import { describeConnection } from '../config/connection.js';
import { HARNESS_CONNECTIONS } from '../engine/preflight.js';
import { doctorChecks, formatChecks, verdict, type Check } from '../procedures/doctor/checks.js';
import { gatherFacts, isLocalServer } from '../procedures/doctor/facts.js';
import { SCENARIOS } from '../../scenarios/index.js';
import { parseInteger } from '../config/units.js';
import { CONNECTION_OPTIONS, LIBRARY_OPTIONS, SCALE_OPTIONS, Validator, connectionFrom, librarySettings, scaleFrom, versionsFrom } from './options.js';
import { CliError, EXIT_FAILED, invalid } from './exit.js';




export function doctorCommand(yargs: Argv): Argv {
  return yargs.command(
    'doctor',
    'check the server for a planned run: connection, version, privileges, performance_schema, max_connections, disk, misleading settings (exit 1 on any error)',
    (y) =>
      y.options({
        ...CONNECTION_OPTIONS,
        scenario: { describe: 'the scenario to plan for', choices: Object.keys(SCENARIOS), default: 'insert-features', type: 'string', group: 'Plan:' },
        workers: { describe: 'planned workers', default: 100, type: 'string', group: 'Plan:' },
        flag: LIBRARY_OPTIONS.flag!,
        'feature-bytes': LIBRARY_OPTIONS['feature-bytes']!,
        ...SCALE_OPTIONS,
        'with-features': { describe: 'the library will be prepared with features (scenarios that read features load them anyway)', type: 'boolean', default: false, group: 'Data:' },
        json: { describe: 'print the checks as JSON', type: 'boolean', default: false, group: 'Output:' },
      }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      const library = librarySettings({ ...argv, seed: 1 }, v);
      const scale = scaleFrom(argv, v);
      const versions = versionsFrom(argv, v);
      const workers = v.take(parseInteger('workers', argv.workers, 1, 10_000), 1);
      if (v.errors.length) throw invalid(v.errors);
      const scenario = SCENARIOS[String(argv.scenario)]!;
      const where = describeConnection(connection);

      let checks: Check[];
      let control;
      try {
        // Without the database: the doctor also runs before it exists.
        control = await connectControl(connection, false);
      } catch (error) {
        checks = [{ name: 'connection', level: 'error', detail: error instanceof Error ? error.message : String(error) }];
        report(checks, argv.json === true);
        throw new CliError('doctor: the server cannot be reached: nothing else was checked', EXIT_FAILED);
      }
      try {
        const facts = await gatherFacts(control, { database: connection.database, flag: library.flag, where, local: isLocalServer(connection) });
        checks = doctorChecks(facts, {
          scenario,
          database: connection.database,
          workers,
          // The deadlock lab's capture opens a connection of its own by default.
          harnessConnections: HARNESS_CONNECTIONS + (scenario.captureDeadlocks ? 1 : 0),
          scale,
          versions: versions.length,
          withFeatures: argv['with-features'] === true,
          featureBytes: library.featureBytes,
        });
      } finally {
        await control.end().catch(() => undefined);
      }
      if (argv.json !== true) {
        process.stdout.write(`doctor: plan ${scenario.name}, ${workers} workers, ${scale.groups}×${scale.members}×${scale.images} (groups × members × images)${argv['with-features'] ? ' with features' : ''}, database ${connection.database}\n`);
      }
      report(checks, argv.json === true);
      if (checks.some((check) => check.level === 'error')) process.exitCode = EXIT_FAILED;
    },
  );
}

function report(checks: Check[], json: boolean): void {
  if (json) process.stdout.write(JSON.stringify({ checks, verdict: verdict(checks) }, null, 2) + '\n');
  else process.stdout.write(`${formatChecks(checks)}\n${verdict(checks)}\n`);
}
