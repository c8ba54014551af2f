/**
 * The one check of a run.json read back: every field that gate, compare and merge read has its
 * documented shape, and every figure is a finite number. A file that fails is refused by name
 * rather than read as zeros or undefined, which would let a broken run pass a gate.
 */
import type { StoredRun } from './types.js';

const RUN_STATES = ['running', 'completed', 'interrupted', 'failed'];
const END_REASONS = ['duration', 'work-done', 'interrupted', 'error'];
/** OpCounts' numeric fields: counts, so finite and never negative. */
const COUNT_FIELDS = ['ops', 'attempts', 'retries', 'deadlocks', 'lockWaitTimeouts', 'exhausted', 'commits', 'rollbacks', 'errors', 'reconnects', 'rows', 'bytes', 'dropped'];
const LATENCY_FIELDS = ['p50', 'p95', 'p99', 'max', 'mean'];
const ACCOUNTING_FIELDS = ['harnessRows', 'comInsertDelta', 'tableRowsBefore', 'tableRowsAfter', 'tableRowsDelta'];

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects the problems of one file, each naming the field by its path in run.json. */
class Problems {
  readonly list: string[] = [];

  add(path: string, problem: string): void {
    this.list.push(`${path}: ${problem}`);
  }

  object(value: unknown, path: string): Fields | null {
    if (isObject(value)) return value;
    this.add(path, value === undefined ? 'missing' : 'not an object');
    return null;
  }

  string(value: unknown, path: string, allowed?: readonly string[]): void {
    if (typeof value !== 'string' || value === '') this.add(path, value === undefined ? 'missing' : 'not a non-empty string');
    else if (allowed && !allowed.includes(value)) this.add(path, `"${value}" is not one of ${allowed.join(', ')}`);
  }

  number(value: unknown, path: string, nonNegative = false): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.add(path, value === undefined ? 'missing' : `${JSON.stringify(value)} is not a finite number`);
    else if (nonNegative && value < 0) this.add(path, `${value} is negative`);
  }

  boolean(value: unknown, path: string): void {
    if (typeof value !== 'boolean') this.add(path, value === undefined ? 'missing' : 'not true or false');
  }

  /** An object whose every value is a finite number (counter deltas, rates, errors by code). */
  numbers(value: unknown, path: string): void {
    const record = this.object(value, path);
    if (record) for (const [name, entry] of Object.entries(record)) this.number(entry, `${path}.${name}`);
  }
}

function checkOpSummary(p: Problems, value: unknown, path: string): Fields | null {
  const summary = p.object(value, path);
  if (!summary) return null;
  for (const field of COUNT_FIELDS) p.number(summary[field], `${path}.${field}`, true);
  p.numbers(summary.errorsByCode, `${path}.errorsByCode`);
  p.number(summary.opsPerSec, `${path}.opsPerSec`, true);
  const latency = p.object(summary.latencyMs, `${path}.latencyMs`);
  if (latency) for (const field of LATENCY_FIELDS) p.number(latency[field], `${path}.latencyMs.${field}`, true);
  return summary;
}

function checkSummary(p: Problems, value: unknown): void {
  const summary = checkOpSummary(p, value, 'summary');
  if (!summary) return;
  p.number(summary.elapsedSec, 'summary.elapsedSec', true);
  p.string(summary.endReason, 'summary.endReason', END_REASONS);
  const byOp = p.object(summary.byOp, 'summary.byOp');
  if (byOp) for (const [op, entry] of Object.entries(byOp)) checkOpSummary(p, entry, `summary.byOp.${op}`);
  if (summary.accounting !== undefined) {
    const accounting = p.object(summary.accounting, 'summary.accounting');
    if (accounting) {
      for (const field of ACCOUNTING_FIELDS) p.number(accounting[field], `summary.accounting.${field}`);
      p.boolean(accounting.ok, 'summary.accounting.ok');
    }
  }
  if (summary.verification !== undefined) {
    const verification = p.object(summary.verification, 'summary.verification');
    if (verification) {
      p.boolean(verification.ok, 'summary.verification.ok');
      if (!Array.isArray(verification.checks)) p.add('summary.verification.checks', 'not a list');
      else verification.checks.forEach((check: unknown, i) => {
        const fields = p.object(check, `summary.verification.checks[${i}]`);
        if (fields) p.boolean(fields.ok, `summary.verification.checks[${i}].ok`);
      });
    }
  }
  if (summary.machine !== undefined) checkMachine(p, summary.machine);
}

/** summary.machine: each figure null (not measured) or its mean, max and when; the disturbed intervals. */
function checkMachine(p: Problems, value: unknown): void {
  const machine = p.object(value, 'summary.machine');
  if (!machine) return;
  p.number(machine.cores, 'summary.machine.cores', true);
  p.number(machine.disturbedCount, 'summary.machine.disturbedCount', true);
  if (!Array.isArray(machine.serverPids)) p.add('summary.machine.serverPids', 'not a list');
  if (machine.disk !== null) p.string(machine.disk, 'summary.machine.disk');
  for (const name of ['otherCpuPct', 'stealPct', 'iowaitPct', 'diskBusyPct']) {
    if (machine[name] === null) continue;
    const figure = p.object(machine[name], `summary.machine.${name}`);
    if (figure) for (const field of ['mean', 'max', 'maxAtSec']) p.number(figure[field], `summary.machine.${name}.${field}`, true);
  }
  if (!Array.isArray(machine.disturbed)) p.add('summary.machine.disturbed', 'not a list');
  else machine.disturbed.forEach((entry: unknown, i) => {
    const fields = p.object(entry, `summary.machine.disturbed[${i}]`);
    if (fields) {
      p.number(fields.atSec, `summary.machine.disturbed[${i}].atSec`, true);
      p.string(fields.reason, `summary.machine.disturbed[${i}].reason`);
    }
  });
}

function checkStatus(p: Problems, value: unknown): void {
  const status = p.object(value, 'status');
  if (!status) return;
  p.numbers(status.delta, 'status.delta');
  p.numbers(status.rate, 'status.rate');
  p.numbers(status.gauges, 'status.gauges');
  p.number(status.resets, 'status.resets', true);
}

/** Every problem of a parsed run.json, empty when it has the documented shape. */
function runFileProblems(value: unknown): string[] {
  const p = new Problems();
  const run = p.object(value, 'run.json');
  if (!run) return p.list;
  if (run.format !== 1) p.add('format', `${JSON.stringify(run.format)} is not 1`);
  p.string(run.runId, 'runId');
  p.string(run.scenario, 'scenario');
  p.string(run.state, 'state', RUN_STATES);
  p.string(run.startedAt, 'startedAt');
  if (run.tags !== undefined) {
    const tags = p.object(run.tags, 'tags');
    if (tags) for (const [key, value] of Object.entries(tags)) p.string(value, `tags.${key}`);
  }
  p.object(run.config, 'config');
  if (run.summary !== undefined) checkSummary(p, run.summary);
  if (run.status !== undefined) checkStatus(p, run.status);
  if (run.settings !== undefined) {
    const settings = p.object(run.settings, 'settings');
    if (settings) {
      p.string(settings.matrixId, 'settings.matrixId');
      p.string(settings.label, 'settings.label');
    }
  }
  return p.list;
}

function isRunFile(value: unknown): value is StoredRun {
  return runFileProblems(value).length === 0;
}

/** Parses and checks run.json's text: the run, or every problem found. */
export function parseRunFile(text: string): { ok: true; run: StoredRun } | { ok: false; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`does not parse: ${(error as Error).message}`] };
  }
  if (isRunFile(value)) return { ok: true, run: value };
  return { ok: false, problems: runFileProblems(value) };
}
