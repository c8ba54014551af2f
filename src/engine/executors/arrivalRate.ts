/**
 * The open-loop executor (k6's constant-arrival-rate): operations are due at fixed times, rate
 * per second, whatever the server does. A due operation takes an idle worker; when none is idle
 * it is counted as dropped, never silently delayed, and latency counts from the time it was due,
 * so a stalled server shows in the percentiles instead of hiding (no coordinated omission).
 */
import type { Executor, OperationEnd, Operator } from './executor.js';

export interface ArrivalRateConfig {
  /** Operations per second over this executor's workers. */
  ratePerSec: number;
}

export const arrivalRate: Executor<ArrivalRateConfig> = {
  run(workers, { ratePerSec }, ctx) {
    return new Promise((resolve) => {
      const spacingMs = 1000 / ratePerSec;
      const startedAt = ctx.now();
      const idle: Operator[] = [...workers];
      let issued = 0;
      let busy = 0;
      let retired = 0;
      let ending = false;

      const end = (): void => {
        if (ending && busy === 0) resolve({ workDone: retired === workers.length });
      };

      const tick = (): void => {
        if (ctx.isStopping() || retired === workers.length) {
          ending = true;
          return end();
        }
        const now = ctx.now();
        for (let dueAt = startedAt + issued * spacingMs; dueAt <= now; dueAt = startedAt + issued * spacingMs) {
          issued++;
          const worker = idle.pop();
          if (!worker) {
            ctx.dropped();
            continue;
          }
          busy++;
          worker.operate(dueAt, (result: OperationEnd) => {
            busy--;
            if (result === 'continue') idle.push(worker);
            else retired++;
            end();
          });
        }
        setTimeout(tick, Math.max(0, startedAt + issued * spacingMs - ctx.now()));
      };
      tick();
    });
  },
};
