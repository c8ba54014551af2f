/** What a run adds up over its measured window: per op type, and the server's counter deltas. */
import { addDeltas, ratesPerSecond, type StatusDelta } from '../metrics/serverStatus.js';
import { OpTotals } from '../metrics/opTotals.js';
import type { StatusSection } from '../results/types.js';

export class RunTotals {
  readonly ops = new OpTotals();
  readonly status: Record<string, number> = {};
  /** The end of the last interval added, in seconds since the load started. */
  elapsedSec = 0;
  private resets = 0;
  private lastGauges: Record<string, number> = {};

  add(elapsedSec: number, merged: OpTotals, status: StatusDelta | undefined): void {
    this.elapsedSec = elapsedSec;
    this.ops.addTotals(merged);
    if (!status) return;
    addDeltas(this.status, status.delta);
    if (status.reset) this.resets++;
    this.lastGauges = status.gauges;
  }

  statusSection(elapsedSec: number): StatusSection {
    return { delta: { ...this.status }, rate: ratesPerSecond(this.status, Math.max(elapsedSec, 0.001)), gauges: this.lastGauges, resets: this.resets };
  }
}
