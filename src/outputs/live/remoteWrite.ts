/**
 * `--out prometheus-rw=URL` (alias `--prometheus-remote-write URL`): the series of /metrics pushed
 * once per interval and once more at the end. Counters are cumulative, so a dropped push loses
 * resolution, not totals: the next one that lands carries them.
 */
import type { Sample } from './latencyBuckets.js';
import { remoteWriteBody } from './remoteWriteEncoding.js';
import { HttpPusher } from './httpPusher.js';

const FORMAT = {
  name: 'remote write',
  headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
  cumulative: true,
};

export class RemoteWriter {
  private readonly pusher: HttpPusher;

  constructor(
    url: string,
    /** The series to push, read at each push. */
    private readonly collect: () => Promise<Sample[]>,
    log: (line: string) => void,
    backoffMs?: number,
  ) {
    this.pusher = new HttpPusher(url, FORMAT, log, backoffMs);
  }

  /** The URL as it may be shown: without credentials. */
  get shownUrl(): string {
    return this.pusher.shownUrl;
  }

  get sent(): number {
    return this.pusher.sent;
  }

  get dropped(): number {
    return this.pusher.dropped;
  }

  /** Queues the series' current values (stamped now) and returns at once. */
  push(): void {
    void this.snapshot().then((body) => this.pusher.push(body));
  }

  /** The final push, then waits (at most `timeoutMs`) until every push is delivered or given up. */
  flush(timeoutMs: number): Promise<void> {
    return this.pusher.flush(timeoutMs, this.snapshot());
  }

  private async snapshot(): Promise<Uint8Array> {
    const timestampMs = Date.now();
    return remoteWriteBody((await this.collect()).map(({ labels, value }) => ({ labels, samples: [{ value, timestampMs }] })));
  }
}
