/**
 * With performance_schema OFF (it cannot be switched on without a restart), the fallback is the
 * seed's `SET profiling=1` on a connection of the hook's own that replays one representative
 * statement now and then during the run. It is labelled as such: it profiles a sample, not the
 * workers, and for a statement that fires a trigger SHOW PROFILES shows the trigger's statement
 * instead (seed; reproduced on MariaDB 10.11).
 */
import type { PromiseConnection } from '../../db/connect.js';
import { errorMessage as message } from '../../db/errors.js';
import { stageLines, type StageTotals } from '../../analysis/server/stageAttribution.js';
import { CONTROL_MARK, FALLBACK_LABEL, HOW_TO_ENABLE_PS, STAGES_FILE, type FallbackStageProfileSummary, type StageProfileOptions } from './profile.js';

export class ProfilingFallback {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private lastQueryId = 0;
  private replayed = 0;
  private profiled = 0;
  private totalSec = 0;
  private readonly stages = new Map<string, StageTotals>();
  private readonly recordedAs = new Set<string>();
  readonly notes: string[] = [];

  constructor(
    private readonly connection: PromiseConnection,
    private readonly sample: NonNullable<StageProfileOptions['sample']> | undefined,
    private readonly replays: number,
    private readonly everyMs: number,
  ) {}

  async start(): Promise<void> {
    if (!this.sample) {
      this.notes.push('no sample statement was given (stageProfileHook({ sample: { sql, params } })): nothing to profile');
      return;
    }
    const [rows] = await this.connection.query('SELECT @@have_profiling AS have');
    if (String((rows as Array<{ have: string }>)[0]?.have) !== 'YES') {
      this.notes.push('this server was built without profiling (have_profiling != YES): SET profiling records nothing');
      return;
    }
    const [triggers] = await this.connection.query('SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()');
    const triggerCount = Number((triggers as Array<{ n: number }>)[0]?.n ?? 0);
    if (triggerCount > 0) {
      this.notes.push(`the database has ${triggerCount} trigger(s): for a statement that fires one, SET profiling records the trigger's statement instead (seed); only performance_schema attributes stages right`);
    }
    if (this.sample.rollback) this.notes.push('each replay runs in a transaction that is rolled back: no rows are kept, but Com_* counters still count it and no commit stage is measured');
    else if (/^\s*(insert|update|delete|replace)\b/i.test(this.sample.sql)) this.notes.push('the sample writes and is not rolled back: its rows stay in the table and count in the server counters');
    // SESSION variables: only this connection is profiled.
    await this.connection.query('SET SESSION profiling = 1, SESSION profiling_history_size = 100');
    await this.replay();
    this.timer = setInterval(() => {
      if (this.replayed >= this.replays) {
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
      } else if (!this.inFlight) void this.replay();
    }, this.everyMs);
  }

  private replay(): Promise<void> {
    const run = this.replayOnce()
      .catch((error: unknown) => {
        const line = `replay failed: ${message(error)}`;
        if (!this.notes.includes(line)) this.notes.push(line);
      })
      .finally(() => {
        this.inFlight = null;
      });
    this.inFlight = run;
    return run;
  }

  private async replayOnce(): Promise<void> {
    const sample = this.sample!;
    this.replayed++;
    if (sample.rollback) await this.connection.query('BEGIN');
    try {
      await this.connection.execute(sample.sql, (sample.params ?? []) as never);
    } finally {
      if (sample.rollback) await this.connection.query('ROLLBACK');
    }
    const [profiles] = await this.connection.query('SHOW PROFILES');
    const fresh = (profiles as Array<{ Query_ID: number; Duration: number | string; Query: string }>).filter((row) => row.Query_ID > this.lastQueryId);
    if (fresh.length === 0) return;
    this.lastQueryId = Math.max(...fresh.map((row) => row.Query_ID));
    const candidates = fresh.filter((row) => !row.Query.includes(CONTROL_MARK) && !/^\s*(BEGIN|ROLLBACK)\s*$/i.test(row.Query));
    let chosen = candidates.filter((row) => row.Query === sample.sql);
    if (chosen.length === 0 && candidates.length > 0) {
      // The sample did not appear under its own text: a trigger's statement took its place.
      chosen = candidates;
      for (const row of candidates) this.recordedAs.add(row.Query.replace(/\s+/g, ' ').trim());
    }
    if (chosen.length === 0) return;
    const ids = chosen.map((row) => row.Query_ID);
    const [states] = await this.connection.query(`SELECT ${CONTROL_MARK} QUERY_ID AS id, STATE AS state, DURATION AS duration FROM information_schema.PROFILING WHERE QUERY_ID IN (?)`, [ids]);
    for (const row of states as Array<{ id: number; state: string; duration: string | number }>) {
      const seconds = Number(row.duration);
      const totals = this.stages.get(row.state) ?? { ps: 0, calls: 0 };
      totals.ps += seconds * 1e12;
      totals.calls++;
      this.stages.set(row.state, totals);
    }
    this.profiled++;
    this.totalSec += chosen.reduce((sum, row) => sum + Number(row.Duration), 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight;
    if (this.sample) await this.connection.query('SET SESSION profiling = 0').catch(() => undefined);
  }

  summary(topStages: number): FallbackStageProfileSummary {
    const stagePs = [...this.stages.values()].reduce((sum, stage) => sum + stage.ps, 0);
    const notes = [...this.notes];
    notes.push('this profiles one sampled statement on the hook\'s own connection, not the workers\' statements; durations in ms');
    if (this.recordedAs.size) notes.push('SHOW PROFILES did not record the sample itself but the statement(s) above: the stages are the trigger\'s, not the firing statement\'s');
    return {
      source: FALLBACK_LABEL,
      performanceSchema: 'OFF',
      howToEnable: HOW_TO_ENABLE_PS,
      sample: this.sample?.sql ?? null,
      replays: this.replayed,
      profiled: this.profiled,
      recordedAs: [...this.recordedAs],
      totalMs: Math.round(this.totalSec * 1e6) / 1000,
      avgMs: this.profiled ? Math.round((this.totalSec / this.profiled) * 1e6) / 1000 : 0,
      topStages: stageLines(this.stages, this.profiled, stagePs, topStages),
      file: STAGES_FILE,
      notes,
    };
  }
}
