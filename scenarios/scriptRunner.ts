/**
 * One worker's run through its scripts: which unit comes next (the next of the script in hand, or
 * the first of a script picked by weight), and running a unit on the worker's connection. A unit's
 * top-level `\set`s are evaluated once, when it is picked, and the `\set`s inside a transaction draw
 * from a generator seeded per unit: a retried transaction runs again with the same values.
 */
import { performance } from 'node:perf_hooks';
import { queryRows, readRows, writeRow, type SqlValue, type WorkerConnection } from '../src/db/workerConnection.js';
import type { Done, Outcome } from '../src/engine/scenario.js';
import { seededRandom } from '../src/data/random.js';
import { ScriptValueError, evaluate, type LibraryDraws, type Value } from '../src/script/expression.js';
import type { Script, Statement, Step } from '../src/script/parse.js';

export interface ScriptItem {
  script: Script;
  unit: number;
  /** Variables as the unit starts, its top-level `\set`s evaluated; every attempt starts from them. */
  variables: Map<string, Value>;
  seed: number;
  /** A top-level `\set` that could not be evaluated: the operation fails with it. */
  failed?: unknown;
  /** Variables after the unit succeeded: the script's next unit starts from them. */
  after?: Map<string, Value>;
}

export interface ScriptState {
  next(): ScriptItem;
  /** Each statement's SQL for this library, tables named, `?` for parameters. */
  sql: Map<Statement, string>;
  draws: LibraryDraws;
}

export function scriptRunner(scripts: Script[], sql: Map<Statement, string>, random: () => number, draws: LibraryDraws, builtins: Record<string, number>): ScriptState {
  const totalWeight = scripts.reduce((sum, s) => sum + s.weight, 0);
  const pick = (): Script => {
    let left = random() * totalWeight;
    for (const script of scripts) if ((left -= script.weight) < 0) return script;
    return scripts.at(-1)!;
  };
  let previous: ScriptItem | null = null;
  const next = (): ScriptItem => {
    // A unit that failed for good ends its script, as pgbench ends a client's script on an error.
    const carryOn = previous?.after && previous.unit + 1 < previous.script.units.length;
    const item: ScriptItem = carryOn
      ? { script: previous!.script, unit: previous!.unit + 1, variables: new Map(previous!.after), seed: 0 }
      : { script: pick(), unit: 0, variables: new Map(Object.entries(builtins)), seed: 0 };
    item.seed = Math.floor(random() * 4294967296);
    try {
      const scope = { variables: item.variables, random, draws };
      for (const set of item.script.units[item.unit]!.presets) item.variables.set(set.name, evaluate(set.expr, scope));
    } catch (error) {
      item.failed = error;
    }
    previous = item;
    return item;
  };
  return { next, sql, draws };
}

/** Runs one unit: one statement, or BEGIN, its steps and COMMIT; `done` as the loop expects. */
export function runUnit(state: ScriptState, connection: WorkerConnection, item: ScriptItem, done: Done): void {
  if (item.failed) return done(item.failed);
  const run = new UnitRun(state, connection, item);
  run.run().then(
    (outcome) => {
      item.after = run.variables;
      done(null, outcome);
    },
    (error: unknown) => done(error, { rows: 0, committed: false, ...(run.current ? { failedPart: partOp(item.script, run.current) } : {}) }),
  );
}

function partOp(script: Script, statement: Statement): string {
  return `${script.name}:${statement.line}`;
}

class UnitRun {
  readonly variables: Map<string, Value>;
  /** The statement in flight: the part a failure is counted against. */
  current: Statement | null = null;
  private readonly random: () => number;
  private readonly micros = new Map<string, number[]>();
  private rows = 0;

  constructor(
    private readonly state: ScriptState,
    private readonly connection: WorkerConnection,
    private readonly item: ScriptItem,
  ) {
    this.variables = new Map(item.variables);
    this.random = seededRandom(item.seed);
  }

  async run(): Promise<Outcome> {
    const unit = this.item.script.units[this.item.unit]!;
    if (unit.transaction) await this.statement(unit.transaction.begin);
    await this.steps(unit.steps);
    if (unit.transaction) await this.statement(unit.transaction.end);
    const committed = unit.transaction ? unit.transaction.commits : unit.steps[0]?.kind === 'statement' && unit.steps[0].what === 'write';
    return { rows: this.rows, committed, parts: [...this.micros].map(([op, micros]) => ({ op, micros })) };
  }

  private async steps(steps: Step[]): Promise<void> {
    const scope = { variables: this.variables, random: this.random, draws: this.state.draws };
    for (const step of steps) {
      if (step.kind === 'set') this.variables.set(step.name, evaluate(step.expr, scope));
      else if (step.kind === 'statement') await this.statement(step);
      else {
        const count = Number(evaluate(step.count, scope));
        if (!Number.isFinite(count) || count < 0) throw new ScriptValueError(`\\repeat ${count} (line ${step.line}): expected a count from 0`);
        for (let i = 0; i < count; i++) await this.steps(step.steps);
      }
    }
  }

  private async statement(statement: Statement): Promise<void> {
    this.current = statement;
    const sql = this.state.sql.get(statement)!;
    const started = performance.now();
    const params = statement.params.map((name) => this.variables.get(name)! as SqlValue);
    let rows = 0;
    if (statement.control) await queryRows(this.connection, sql);
    else if (statement.what === 'read') rows = (await readRows(this.connection, sql, params)).length;
    else {
      const written = await writeRow(this.connection, sql, params);
      rows = Number(written.affectedRows ?? 0);
      if (written.insertId) this.variables.set('last_insert_id', Number(written.insertId));
    }
    const op = partOp(this.item.script, statement);
    let micros = this.micros.get(op);
    if (!micros) this.micros.set(op, (micros = []));
    micros.push((performance.now() - started) * 1000);
    this.rows += rows;
    this.current = null;
  }
}
