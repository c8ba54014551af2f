/**
 * The doctor's brief version at the start of every run (the engine's `preflight`): prints only
 * what is wrong, refuses what cannot work.
 */
import type { PromiseConnection } from '../../db/connect.js';
import { libraryTables } from '../../schema/tables.js';
import { missingOnDatabase, parseGrants } from '../../analysis/server/grants.js';
import { needsOf, preRunChecks, type Check, type ScenarioProfile } from './checks.js';
import { gatherFacts } from './facts.js';

export interface PreRunPlan {
  scenario: ScenarioProfile;
  workers: number;
  /** Connections besides the workers: HARNESS_CONNECTIONS plus every hook's. */
  harnessConnections: number;
  /** The library the run uses, or several comma-separated (their size is compared with the buffer pool for warm reads). */
  flag?: string;
}

export class DoctorRefusal extends Error {}

/** Side-effect-free statements whose privilege check is the privilege's: EXPLAIN checks, never runs. */
const PRIVILEGE_PROBES: Record<string, (table: string) => string> = {
  SELECT: (table) => `EXPLAIN SELECT 1 FROM ${table} LIMIT 0`,
  INSERT: (table) => `EXPLAIN INSERT INTO ${table} SELECT * FROM ${table} LIMIT 0`,
  DELETE: (table) => `EXPLAIN DELETE FROM ${table} WHERE 1 = 0`,
};
const ACCESS_DENIED_ERRNOS = new Set([1044, 1142, 1143]);

/**
 * SHOW GRANTS can miss privileges (MySQL 8 roles, which it lists without their privileges): each
 * privilege it does not show is tried with an EXPLAIN on one of the library's tables. 'held' when
 * every one is, 'denied' when one is refused, 'unknown' when the probe cannot tell (no such table).
 */
async function probeRunPrivileges(control: PromiseConnection, missing: readonly string[], tables: readonly string[]): Promise<'held' | 'denied' | 'unknown'> {
  let unknown = false;
  let tried = 0;
  for (const table of tables) {
    const quoted = '`' + table.replace(/`/g, '``') + '`';
    for (const privilege of missing) {
      const probe = PRIVILEGE_PROBES[privilege];
      if (!probe) {
        unknown = true;
        continue;
      }
      try {
        await control.query(probe(quoted));
        tried++;
      } catch (error) {
        const errno = Number((error as { errno?: number }).errno);
        if (ACCESS_DENIED_ERRNOS.has(errno)) return 'denied';
        // 1146: no such table (this design or version does not have it): it tells nothing.
        if (errno !== 1146) unknown = true;
      }
    }
  }
  return unknown || tried === 0 ? 'unknown' : 'held';
}

/**
 * At the start of every run, on the run's control connection: prints each warning (one line each)
 * and throws a DoctorRefusal, one line naming every error, when the run cannot go right (missing
 * privileges, too few connections). Prints nothing when all is well.
 */
export async function preRunDoctor(control: PromiseConnection, plan: PreRunPlan, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<Check[]> {
  const [dbRows] = await control.query('SELECT DATABASE() AS db');
  const database = String((dbRows as Array<{ db: string | null }>)[0]?.db ?? '');
  const facts = await gatherFacts(control, { database, ...(plan.flag ? { flag: plan.flag } : {}), where: '', local: false });
  const checks = preRunChecks(facts, {
    scenario: plan.scenario,
    database,
    workers: plan.workers,
    harnessConnections: plan.harnessConnections,
    scale: { groups: 0, members: 0, images: 0 },
    versions: 1,
    withFeatures: false,
    featureBytes: 2000,
  });
  // A refusal must be certain: what SHOW GRANTS does not show is tried on the library's own table.
  const run = checks.find((check) => check.name === 'privileges: run');
  if (run && run.level !== 'ok' && facts.grants && plan.flag) {
    const missing = missingOnDatabase(parseGrants(facts.grants), needsOf(plan.scenario).run, database);
    const tables = plan.flag.split(',').filter(Boolean).flatMap((flag) => {
      const library = libraryTables(flag, [1]);
      return [library.member, library.image, library.features.get(1)!];
    });
    const verdict = await probeRunPrivileges(control, missing, tables);
    if (verdict === 'held') {
      run.level = 'ok';
      run.detail = `${needsOf(plan.scenario).run.join(', ')}: ${missing.join(', ')} held on the library's tables (per-table grants, a role or PUBLIC), though not on the whole database`;
    } else if (verdict === 'denied') run.level = 'error';
  }
  for (const check of checks) if (check.level === 'warning') log(`doctor: warning: ${check.name}: ${check.detail}`);
  const errors = checks.filter((check) => check.level === 'error');
  if (errors.length) throw new DoctorRefusal(errors.map((check) => `${check.name}: ${check.detail}`).join('; '));
  return checks;
}
