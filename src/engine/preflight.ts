/** Checks made before any load starts, so that a run never half-starts. */
import type { PromiseConnection } from '../db/connect.js';

/** Connections a run opens besides its workers: the control connection and the status sampler. */
export const HARNESS_CONNECTIONS = 2;

export async function checkConnectionBudget(control: PromiseConnection, workers: number, extraConnections = 0): Promise<void> {
  const [maxRows] = await control.query('SELECT @@max_connections AS max');
  const [statusRows] = await control.query("SHOW GLOBAL STATUS LIKE 'Threads_connected'");
  const max = Number((maxRows as Array<{ max: number }>)[0]?.max ?? 0);
  // The control connection is already among those connected.
  const others = Math.max(0, Number((statusRows as Array<{ Value: string }>)[0]?.Value ?? 1) - 1);
  const harness = HARNESS_CONNECTIONS + extraConnections;
  const needed = workers + harness;
  if (needed + others > max) {
    throw new Error(
      `${workers} workers + ${harness} harness connections need ${needed} connections; the server allows ${max} (max_connections) and ${others} are in use by others`,
    );
  }
}
