/** `innobench summary-check`: the seed's group_count pitfalls on a library prepared with --memberships. */
import type { Argv } from 'yargs';
import { connectControl } from '../db/connect.js';
import { findLibrary } from '../schema/registry.js';
import { libraryTables, q } from '../schema/tables.js';
import { countDrift, demonstrateCascadeDrift, measureDecrement } from '../procedures/summaryTables.js';
import { CONNECTION_OPTIONS, LIBRARY_OPTIONS, Validator, connectionFrom, librarySettings } from './options.js';
import { CliError, EXIT_FAILED, invalid } from './exit.js';
import { parseInteger } from '../config/units.js';

export function summaryCheckCommand(yargs: Argv): Argv {
  return yargs.command(
    'summary-check',
    'group_count drift (cascades fire no trigger) and the IN-subquery vs JOIN decrement, on a --memberships library',
    (y) =>
      y.options({
        ...CONNECTION_OPTIONS,
        flag: LIBRARY_OPTIONS.flag!,
        samples: { describe: 'people whose decrement is timed (each rolled back)', default: 50, type: 'string' },
        'demonstrate-cascade': { describe: 'delete one person inside a rolled-back transaction to show the drift a cascade causes', type: 'boolean', default: true },
      }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      const library = librarySettings({ ...argv, seed: 1, 'feature-bytes': 2000 }, v);
      const samples = v.take(parseInteger('samples', argv.samples, 1, 100_000), 50);
      if (v.errors.length) throw invalid(v.errors);
      const control = await connectControl(connection);
      const out = (line: string): void => void process.stdout.write(`${line}\n`);
      try {
        const record = await findLibrary(control, library.flag).catch(() => null);
        if (!record?.spec.memberships) throw new CliError(`clientFlag ${library.flag} has no many-to-many tables: prepare it with --memberships`, EXIT_FAILED);
        const tables = libraryTables(library.flag, (record.spec.versions as number[]) ?? [1]);
        const drift = await countDrift(control, tables);
        out(`group_count drift: ${drift.drifted.length} of ${drift.groups} groups differ from COUNT(*) of ${tables.groupMember}`);
        for (const d of drift.drifted.slice(0, 10)) out(`  group ${d.groupId}: group_count ${d.counted}, actual ${d.actual}`);
        if (argv['demonstrate-cascade']) {
          const demo = await demonstrateCascadeDrift(control, tables);
          out(
            `cascade demonstration (rolled back): deleting person ${demo.personId} removed ${demo.memberships} memberships by ON DELETE CASCADE; ` +
              `${demo.drift.drifted.length} group(s) then drifted (triggers do not fire for cascaded deletes)`,
          );
        }
        const [people] = await control.query(`SELECT DISTINCT person_id AS id FROM ${q(tables.groupMember)} ORDER BY person_id LIMIT ?`, [samples]);
        const ids = (people as Array<{ id: number }>).map((p) => p.id);
        out('decrement of one person\'s groups, each execution rolled back:');
        out(`  ${'form'.padEnd(12)} ${'EXPLAIN rows'.padStart(12)} ${'rows read/exec'.padStart(15)} ${'median ms'.padStart(10)}  access`);
        for (const form of ['in-subquery', 'join'] as const) {
          const m = await measureDecrement(control, tables, form, ids);
          const access = m.explain.map((e) => `${e.table}:${e.type}${e.key ? `(${e.key})` : ''} rows=${e.rows}`).join(', ');
          out(`  ${form.padEnd(12)} ${String(m.estimatedRows).padStart(12)} ${String(m.handlerReadsPerExecution).padStart(15)} ${m.medianMs.toFixed(3).padStart(10)}  ${access}`);
        }
      } finally {
        await control.end();
      }
    },
  );
}
