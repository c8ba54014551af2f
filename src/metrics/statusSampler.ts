/**
 * The status sampler's own connection, kept alive across server outages: a failed sample marks
 * the server unreachable from that moment, the next ticks try to reconnect, and the first
 * sample that succeeds closes the outage window. The run reports those windows.
 */
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import { sampleStatus, type StatusSample } from './serverStatus.js';

export interface Outage {
  from: string;
  to: string | null;
  seconds: number | null;
}

export class StatusSampler {
  private connection: PromiseConnection | null = null;
  private outageSince: Date | null = null;
  readonly outages: Outage[] = [];
  /** The last sample that succeeded. */
  last: StatusSample | null = null;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly log: (line: string) => void,
  ) {}

  async open(): Promise<void> {
    this.connection = await connectControl(this.options);
  }

  /** A sample, or null while the server cannot be reached (the outage is recorded). */
  async sample(): Promise<StatusSample | null> {
    try {
      this.connection ??= await connectControl(this.options);
      const sample = await sampleStatus(this.connection);
      if (this.outageSince) this.closeOutage(new Date());
      this.last = sample;
      return sample;
    } catch (error) {
      this.connection?.destroy();
      this.connection = null;
      if (!this.outageSince) {
        this.outageSince = new Date();
        this.log(`server unreachable from ${this.outageSince.toISOString()}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      return null;
    }
  }

  /** Closes the connection; an outage still open at the end stays open in the report. */
  async close(): Promise<void> {
    if (this.outageSince) this.outages.push({ from: this.outageSince.toISOString(), to: null, seconds: null });
    this.outageSince = null;
    await this.connection?.end().catch(() => undefined);
    this.connection = null;
  }

  private closeOutage(at: Date): void {
    const since = this.outageSince!;
    this.outages.push({ from: since.toISOString(), to: at.toISOString(), seconds: Math.round((at.getTime() - since.getTime()) / 100) / 10 });
    this.log(`server reachable again at ${at.toISOString()} (unreachable for ${((at.getTime() - since.getTime()) / 1000).toFixed(1)} s)`);
    this.outageSince = null;
  }
}
