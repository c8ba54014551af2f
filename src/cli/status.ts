/** `innobench status`: the prepared libraries with their row counts and sizes, as the seed's size query shows them. */
import type { Argv } from 'yargs';
import { connectControl } from '../db/connect.js';
import { listLibraries, ownedTables } from '../schema/registry.js';
import { CONNECTION_OPTIONS, Validator, connectionFrom } from './options.js';
import { invalid } from './exit.js';

interface TableInfo {
  name: string;
  rows: number;
  dataMB: number;
  indexMB: number;
}

export function statusCommand(yargs: Argv): Argv {
  return yargs.command(
    'status',
    'list the prepared libraries: design, versions, rows, data and index size',
    (y) => y.options({ ...CONNECTION_OPTIONS, json: { type: 'boolean', default: false, describe: 'print JSON' } }),
    async (argv) => {
      const v = new Validator();
      const connection = connectionFrom(argv, v);
      if (v.errors.length) throw invalid(v.errors);
      const control = await connectControl(connection);
      try {
        const libraries = await listLibraries(control).catch(() => []);
        const report = [];
        for (const library of libraries) {
          const owned = [...(await ownedTables(control, library.flag))];
          const [rows] = await control.query(
            `SELECT TABLE_NAME AS name, TABLE_ROWS AS approxRows, DATA_LENGTH AS data, INDEX_LENGTH AS idx
             FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME`,
            [owned.length ? owned : ['']],
          );
          const tables: TableInfo[] = [];
          for (const row of rows as Array<{ name: string; approxRows: number; data: number; idx: number }>) {
            // Exact counts where cheap; information_schema's TABLE_ROWS is an estimate for InnoDB.
            const exact = row.approxRows < 2_000_000;
            const count = exact ? await countRows(control, row.name) : Number(row.approxRows);
            tables.push({ name: exact ? row.name : `${row.name} (~)`, rows: count, dataMB: mb(row.data), indexMB: mb(row.idx) });
          }
          report.push({ flag: library.flag, design: library.design, state: library.state, spec: library.spec, tables });
        }
        if (argv.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + '\n');
          return;
        }
        if (report.length === 0) process.stdout.write(`no libraries prepared by innobench in ${connection.database}\n`);
        for (const library of report) {
          const spec = library.spec as { versions?: number[]; scale?: { groups: number; members: number; images: number } };
          process.stdout.write(
            `clientFlag ${library.flag}: ${library.design} design, versions ${spec.versions?.join(',') ?? '?'}, ` +
              `scale ${spec.scale ? `${spec.scale.groups}×${spec.scale.members}×${spec.scale.images}` : '?'}, ${library.state}\n`,
          );
          const total = { dataMB: 0, indexMB: 0 };
          for (const t of library.tables) {
            process.stdout.write(`  ${t.name.padEnd(36)} ${String(t.rows).padStart(12)} rows ${t.dataMB.toFixed(1).padStart(10)} MB data ${t.indexMB.toFixed(1).padStart(9)} MB index\n`);
            total.dataMB += t.dataMB;
            total.indexMB += t.indexMB;
          }
          process.stdout.write(`  ${'total'.padEnd(36)} ${''.padStart(17)} ${total.dataMB.toFixed(1).padStart(10)} MB data ${total.indexMB.toFixed(1).padStart(9)} MB index\n`);
        }
      } finally {
        await control.end();
      }
    },
  );
}

async function countRows(control: Awaited<ReturnType<typeof connectControl>>, table: string): Promise<number> {
  const [rows] = await control.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
  return Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
}

function mb(bytes: number): number {
  return Number(bytes) / 1024 / 1024;
}
