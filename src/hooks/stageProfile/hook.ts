/**
 * `--stage-profile`: where the server's time goes, stage by stage, for the statements of a run:
 * from performance_schema when it is ON (psProfiler.ts, attribution in
 * analysis/server/stageAttribution.ts), otherwise from a sampled `SET profiling` replay
 * (profilingFallback.ts). Writes stages.txt and returns the summary for run.json.
 */
import { connectControl, type PromiseConnection } from '../../db/connect.js';
import { errorMessage as message } from '../../db/errors.js';
import type { HookContext, HookStopContext, RunHook } from '../../engine/runHooks.js';
import { FALLBACK_LABEL, STAGES_FILE, stageProfileText, type StageProfileOptions, type StageProfileSummary } from './profile.js';
import { PsProfiler } from './psProfiler.js';
import { ProfilingFallback } from './profilingFallback.js';

export function stageProfileHook(options: StageProfileOptions = {}): RunHook {
  const replays = options.replays ?? 20;
  const everyMs = options.everyMs ?? 1000;
  const pollMs = options.pollMs ?? 200;
  const topStages = options.topStages ?? 8;
  if (!Number.isInteger(replays) || replays < 1) throw new Error(`stage profile replays ${replays}: must be a whole number from 1`);
  if (!(everyMs >= 10) || !(pollMs >= 10)) throw new Error('stage profile: everyMs and pollMs must be at least 10 ms');
  let connection: PromiseConnection | null = null;
  let profiler: PsProfiler | ProfilingFallback | null = null;
  return {
    name: 'stageProfile',
    // One that reads (or replays), plus the journal's, which puts performance_schema's setup back.
    connections: 2,
    async start(ctx: HookContext) {
      connection = await connectControl(ctx.connection);
      try {
        const [rows] = await connection.query('SELECT @@performance_schema AS ps');
        const on = Number((rows as Array<{ ps: number | string }>)[0]?.ps) === 1;
        if (on) {
          profiler = new PsProfiler(connection, ctx.connection, pollMs);
          await profiler.start();
          ctx.log('stage profile: performance_schema statement/stage instruments and history consumers on for the run');
        } else {
          profiler = new ProfilingFallback(connection, options.sample, replays, everyMs);
          await profiler.start();
          ctx.log(`stage profile: performance_schema is OFF; ${FALLBACK_LABEL}${options.sample ? '' : ' has no sample statement'}`);
        }
      } catch (error) {
        if (profiler instanceof PsProfiler) await profiler.restore().catch(() => undefined);
        await connection.end().catch(() => undefined);
        connection = null;
        profiler = null;
        throw error;
      }
    },
    async stop(ctx: HookStopContext): Promise<StageProfileSummary | undefined> {
      if (!profiler) return undefined;
      try {
        await profiler.stop();
      } finally {
        if (profiler instanceof PsProfiler) {
          await profiler.restore().catch((error: unknown) => (profiler as PsProfiler).notes.push(`could not restore performance_schema setup: ${message(error)}`));
        }
        await connection?.end().catch(() => undefined);
      }
      const summary = profiler.summary(topStages);
      ctx.folder.writeAtomic(STAGES_FILE, stageProfileText(summary));
      return summary;
    },
  };
}
