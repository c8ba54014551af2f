/**
 * `innobench run --script file.sql[@weight] …`: the user's own SQL, run as a scenario. Each
 * operation is one statement, or one BEGIN … COMMIT transaction that the loop retries as a whole;
 * the script is picked by weight each time one starts. The scripts are parsed when the options
 * are (file:line errors before anything connects), and every statement is prepared on the server
 * while planning, so that a statement the server cannot prepare is refused before any load.
 */
import { readFileSync } from 'node:fs';
import { v4 as uuidv4 } from 'uuid';
import type { PromiseConnection } from '../src/db/connect.js';
import { prepareStatement } from '../src/db/workerConnection.js';
import { featureSlice } from '../src/data/featureSource.js';
import { description } from '../src/data/names.js';
import { deriveSeed, seededRandom } from '../src/data/random.js';
import { defineScenario, type AuditContext, type AuditStatement, type OptionSpec, type Verification, type WorkerContext } from '../src/engine/scenario.js';
import { libraryTables, q, type LibraryTables } from '../src/schema/tables.js';
import { ScriptError, parseScriptArgument, parseScripts, renderStatement, statementsOf, type Script, type ScriptSource, type Statement, type TableRef } from '../src/script/parse.js';
import { evaluate, type LibraryDraws, type Scope } from '../src/script/expression.js';
import { MemberIndex, type GroupMembers } from '../src/script/memberIndex.js';
import { FIRST_MODEL_VERSION, openLibrary } from './library.js';
import { runUnit, scriptRunner, type ScriptItem, type ScriptState } from './scriptRunner.js';

/** `--script`: files read and parsed as the command line is, so that a broken script never connects. */
const scriptOption: OptionSpec<ScriptSource[]> = {
  describe: 'SQL script to run (pgbench-style; repeat for several, file.sql@weight to weight them)',
  type: 'string',
  // A list: each --script adds a file (options given twice otherwise keep their last value).
  array: true,
  requiresArg: true,
  parse: (_name, raw) => {
    const sources: ScriptSource[] = [];
    const errors: string[] = [];
    for (const argument of raw === undefined ? [] : Array.isArray(raw) ? raw.map(String) : [String(raw)]) {
      const parsed = parseScriptArgument(argument);
      if ('error' in parsed) {
        errors.push(parsed.error);
        continue;
      }
      try {
        sources.push({ ...parsed, text: readFileSync(parsed.path, 'utf8') });
      } catch (error) {
        errors.push(`--script ${parsed.path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      }
    }
    if (!errors.length && sources.length) {
      try {
        parseScripts(sources);
      } catch (error) {
        if (!(error instanceof ScriptError)) throw error;
        errors.push(...error.errors);
      }
    }
    return errors.length ? { ok: false, error: errors.join('\n  ') } : { ok: true, value: sources };
  },
};

const OPTIONS = { script: scriptOption };

/** What every worker is told about the library: its shape, its member ids and its tables. */
interface Assignment {
  flag: string;
  versions: number[];
  groups: GroupMembers[];
  scale: { groups: number; members: number; images: number };
}

export const scriptScenario = defineScenario(import.meta.url, {
  name: 'script',
  description: 'your own SQL script(s), pgbench-style (--script file.sql@weight)',
  defaultOp: 'script',
  // The statements decide what else is needed; preparing them on the server checks those grants.
  serverNeeds: { privileges: ['SELECT'], holdsFeatures: false, warmReads: false },
  options: OPTIONS,

  async plan(ctx, workers) {
    if (ctx.data.flags.length > 1) throw new Error('a script works on one library at a time: give one --flag');
    const scripts = parseScripts(ctx.options.script);
    if (!scripts.length) throw new Error('no script: give --script file.sql');
    const flag = ctx.data.flags[0]!;
    // A script on tables of its own needs no library; one that names {member} … is refused below without it.
    const library = await openLibrary(ctx.control, flag, FIRST_MODEL_VERSION).catch((error: unknown) => ({ missing: error instanceof Error ? error.message : String(error) }));
    const tables = 'missing' in library ? library.missing : library.tables;
    await checkOnServer(ctx.control, scripts, tables);
    const groups = 'missing' in library || library.design.name === 'natural' ? [] : await memberIndex(ctx.control, library.tables);
    const scale = 'missing' in library ? { groups: 0, members: 0, images: 0 } : (library.spec.scale as Assignment['scale']);
    const assignment: Assignment = { flag, versions: 'missing' in library ? [] : [...library.tables.features.keys()], groups, scale };
    const accountingTables = 'missing' in library ? undefined : accountingTablesOf(scripts, library.tables);
    const weights = scripts.map((s) => `${s.name}${scripts.length > 1 ? `@${s.weight}` : ''}`).join(', ');
    return {
      assignments: Array.from({ length: workers }, () => assignment),
      ...(accountingTables ? { accountingTables } : {}),
      description: `script ${weights} on clientFlag ${flag}`,
    };
  },

  async workerInit(ctx: WorkerContext<{ script: ScriptSource[] }, Assignment>): Promise<ScriptState> {
    const scripts = parseScripts(ctx.options.script);
    const tables = libraryTables(ctx.assignment.flag, ctx.assignment.versions);
    const sql = new Map<Statement, string>();
    for (const statement of scripts.flatMap(statementsOf)) sql.set(statement, renderStatement(statement, tableName(tables)));
    // Prepared once per worker, before the run: the worker connection keeps each statement, and a bad one is refused now.
    for (const [statement, text] of sql) if (!statement.control) await prepareStatement(ctx.connection, text);
    const random = seededRandom(deriveSeed(ctx.data.seed, 17, ctx.workerId));
    let slice = ctx.workerId * 7919;
    const draws = libraryDraws(ctx.assignment.groups, {
      feature: () => featureSlice(ctx.features, slice++),
      fileId: () => uuidv4().replace(/-/g, '').slice(0, 20),
      description: (r) => description(r),
    });
    const { groups, members: perGroup, images } = ctx.assignment.scale;
    return scriptRunner(scripts, sql, random, draws, { worker: ctx.workerId, groups, members: perGroup, images, last_insert_id: 0 });
  },

  next: (state) => state.next(),
  execute(state, connection, item, done) {
    runUnit(state, connection, item, done);
  },
  opOf: (item: ScriptItem) => item.script.name,
  transactional: (options) => parseScripts(options.script).some((script) => script.units.some((unit) => unit.transaction)),

  // The scripts' \check statements: each SELECT's first value must be 0.
  async verify(ctx) {
    const scripts = parseScripts(ctx.options.script);
    const library = await openLibrary(ctx.control, ctx.data.flags[0]!, FIRST_MODEL_VERSION).catch(() => null);
    const variables: Record<string, number> = { worker: 0, last_insert_id: 0, ...((library?.spec.scale as Assignment['scale'] | undefined) ?? { groups: 0, members: 0, images: 0 }) };
    const checks: Verification['checks'] = [];
    for (const script of scripts) {
      for (const { name, statement } of script.checks) {
        const sql = renderStatement(statement, library ? tableName(library.tables) : () => '');
        const [rows] = await ctx.control.query({ sql, rowsAsArray: true }, statement.params.map((param) => variables[param] ?? null));
        const value = (rows as unknown[][])[0]?.[0] ?? null;
        checks.push({ name, ok: Number(value) === 0, detail: `${script.name}:${statement.line} returned ${String(value)} (0 expected)` });
      }
    }
    return { ok: checks.every((check) => check.ok), checks };
  },
});

/**
 * Every statement prepared (and closed) on the control connection: what the server refuses is a
 * script error. `tables` is the library's, or why there is none.
 */
async function checkOnServer(control: PromiseConnection, scripts: Script[], tables: LibraryTables | string): Promise<void> {
  const errors: string[] = [];
  for (const script of scripts) {
    for (const statement of [...statementsOf(script), ...script.checks.map((check) => check.statement)]) {
      if (statement.control) continue;
      const table = statement.pieces.find((piece) => typeof piece !== 'string');
      if (typeof tables === 'string' && table) {
        errors.push(`${script.path}:${statement.line}: names {${table.table}}, but ${tables}`);
        continue;
      }
      let sql: string;
      try {
        sql = renderStatement(statement, typeof tables === 'string' ? () => '' : tableName(tables));
      } catch (error) {
        errors.push(`${script.path}:${statement.line}: ${(error as Error).message}`);
        continue;
      }
      try {
        const prepared = await control.prepare(sql);
        await prepared.close();
      } catch (error) {
        errors.push(`${script.path}:${statement.line}: the server cannot prepare this statement: ${(error as Error).message}`);
      }
    }
  }
  if (errors.length) throw new ScriptError(errors);
}

async function memberIndex(control: PromiseConnection, tables: LibraryTables): Promise<GroupMembers[]> {
  const [rows] = await control.query(`SELECT group_id AS g, MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM ${q(tables.member)} GROUP BY group_id ORDER BY group_id`);
  const groups: GroupMembers[] = [];
  for (const row of rows as Array<{ g: number; lo: number; hi: number; n: number }>) {
    const group: GroupMembers = { groupId: Number(row.g), first: Number(row.lo), count: Number(row.n) };
    if (Number(row.hi) - Number(row.lo) + 1 !== group.count) {
      const [ids] = await control.query(`SELECT id FROM ${q(tables.member)} WHERE group_id = ? ORDER BY id`, [row.g]);
      group.ids = (ids as Array<{ id: number }>).map((r) => Number(r.id));
    }
    groups.push(group);
  }
  return groups;
}

/**
 * The tables whose rows must grow by exactly the rows counted: only when every statement that
 * runs is a one-row INSERT … VALUES into a library table (then rows, Com_insert and the tables agree).
 */
function accountingTablesOf(scripts: Script[], tables: LibraryTables): string[] | undefined {
  const statements = scripts.flatMap(statementsOf).filter((statement) => !statement.control);
  if (!statements.every((s) => s.insertsOneRowInto)) return undefined;
  return [...new Set(statements.map((s) => tableName(tables, false)(s.insertsOneRowInto!)))];
}

function tableName(tables: LibraryTables, quoted = true): (table: TableRef) => string {
  return (table) => {
    const name = table.startsWith('feature_') ? tables.features.get(Number(table.slice('feature_'.length))) : tables[table as 'group' | 'member' | 'image'];
    if (name === undefined) throw new Error(`{${table}}: model version ${table.slice('feature_'.length)} is not prepared for clientFlag ${tables.flag}`);
    return quoted ? q(name) : name;
  };
}

/** The library's draws: ids from its member index, the rest as given. */
function libraryDraws(groups: GroupMembers[], values: Pick<LibraryDraws, 'feature' | 'fileId' | 'description'>): LibraryDraws {
  const members = new MemberIndex(groups);
  return { memberId: (r, group) => members.memberId(r, group), nextMemberId: (group) => members.nextMemberId(group), groupId: (r) => members.groupId(r), ...values };
}

/** The statements of the scripts as the EXPLAIN audit takes them, with values drawn as a run would. */
export async function scriptAuditStatements(ctx: AuditContext, sources: ScriptSource[]): Promise<AuditStatement[]> {
  const scripts = parseScripts(sources);
  const library = await openLibrary(ctx.control, ctx.flag, ctx.modelVersion);
  const groups = library.design.name === 'natural' ? [] : await memberIndex(ctx.control, library.tables);
  const random = seededRandom(1);
  const scale = library.spec.scale as Assignment['scale'];
  const variables = new Map<string, number | string | Buffer>(Object.entries({ worker: 0, last_insert_id: 0, ...scale }));
  const scope: Scope = {
    variables,
    random,
    draws: libraryDraws(groups, { feature: () => Buffer.alloc(ctx.featureBytes), fileId: () => 'audit', description: () => 'audit' }),
  };
  const list: AuditStatement[] = [];
  for (const script of scripts) {
    const visit = (steps: Script['units'][number]['steps']): void => {
      for (const step of steps) {
        if (step.kind === 'set') variables.set(step.name, evaluate(step.expr, scope));
        else if (step.kind === 'repeat') visit(step.steps);
        else if (step.what !== 'other') {
          list.push({
            name: `${script.name}:${step.line}`,
            sql: renderStatement(step, tableName(library.tables)),
            params: step.params.map((name) => variables.get(name) ?? null),
            // A read, or a write that finds its rows, should use an index; a plain INSERT reads nothing.
            mustUseIndex: !step.insertsOneRowInto,
          });
        }
      }
    };
    for (const unit of script.units) {
      visit(unit.presets);
      visit(unit.steps);
    }
  }
  return list;
}
