/**
 * Pushes to an HTTP receiver (Prometheus remote write, InfluxDB): a body is queued and sent by
 * the main thread in the background, never awaited by the tick; failures are retried with
 * backoff, and a receiver that is down costs a warning (one per outage, not one per interval),
 * never the run.
 */

/** Pushes waiting while the receiver is unreachable; the oldest are dropped beyond this. */
const MAX_QUEUED = 120;
const TRIES = 4;
const REQUEST_TIMEOUT_MS = 5000;

export interface PushFormat {
  /** What the messages call the receiver: "remote write", "influxdb". */
  name: string;
  headers: Record<string, string>;
  /**
   * Each body carries the totals of the ones before it (Prometheus counters): while the receiver
   * is failing at the end, only the last is worth sending. Otherwise every body is sent in order.
   */
  cumulative: boolean;
}

export class HttpPusher {
  private readonly url: URL;
  private readonly auth: string | undefined;
  private readonly queue: Uint8Array[] = [];
  private sending: Promise<void> | null = null;
  private failing = false;
  /** Aborted after the final flush: a request or backoff still pending is cut short. */
  private readonly closing = new AbortController();
  /** Aborted when the final flush begins: a receiver already failing gets one try at the final push only. */
  private readonly hurry = new AbortController();
  /** Pushes the receiver accepted; pushes given up. */
  sent = 0;
  dropped = 0;

  constructor(
    url: string,
    private readonly format: PushFormat,
    private readonly log: (line: string) => void,
    private readonly backoffMs = 500,
  ) {
    // fetch refuses a URL with credentials: they travel as a basic-auth header instead.
    const parsed = new URL(url);
    this.auth = parsed.username ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}` : undefined;
    parsed.username = '';
    parsed.password = '';
    this.url = parsed;
  }

  /** The URL as it may be shown: without credentials. */
  get shownUrl(): string {
    return this.url.href;
  }

  /** Queues a body and returns at once. */
  push(body: Uint8Array): void {
    this.queue.push(body);
    if (this.queue.length > MAX_QUEUED) {
      this.queue.shift();
      this.dropped++;
    }
    this.sending ??= this.drain().finally(() => (this.sending = null));
  }

  /** Stops retrying a failing receiver, then waits (at most `timeoutMs`) until the queue is empty; later pushes are not sent. */
  async flush(timeoutMs: number, finalBody?: Promise<Uint8Array>): Promise<void> {
    this.hurry.abort();
    if (finalBody) this.push(await finalBody);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.idle(), timeout]);
    clearTimeout(timer);
    this.closing.abort();
    this.dropped += this.queue.length;
    this.queue.length = 0;
    if (this.dropped) this.log(`${this.format.name}: ${this.sent} of ${this.sent + this.dropped} pushes to ${this.shownUrl} delivered${this.failing ? '; the last did not land, so the receiver lacks the final figures' : ''}`);
  }

  private async idle(): Promise<void> {
    // A push may still be queued in a microtask: let it start, then wait for the queue to drain.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.sending) await this.sending;
  }

  private async drain(): Promise<void> {
    for (let body = this.queue[0]; body && !this.closing.signal.aborted; body = this.queue[0]) {
      // The final push carries every total: while the receiver is failing, the ones before it are skipped.
      if (this.format.cumulative && this.hurry.signal.aborted && this.failing && this.queue.length > 1) {
        this.queue.shift();
        this.dropped++;
        continue;
      }
      const outcome = await this.sendWithRetries(body);
      this.queue.shift();
      if (outcome === 'sent') this.sent++;
      else this.dropped++;
    }
  }

  private async sendWithRetries(body: Uint8Array): Promise<'sent' | 'dropped'> {
    for (let attempt = 1; ; attempt++) {
      const problem = await this.send(body);
      if (problem === null) {
        if (this.failing) this.log(`${this.format.name}: ${this.shownUrl} accepts pushes again`);
        this.failing = false;
        return 'sent';
      }
      // 4xx (other than 429) will not get better by resending the same body.
      const retryable = !/^HTTP 4/.test(problem) || problem.startsWith('HTTP 429');
      if (!retryable || attempt >= TRIES || this.closing.signal.aborted || (this.hurry.signal.aborted && this.failing)) {
        if (!this.failing) this.log(`${this.format.name}: ${this.shownUrl} failed (${problem}); the run goes on${this.format.cumulative ? ', later pushes carry the totals' : ''}`);
        this.failing = true;
        return 'dropped';
      }
      await sleep(this.backoffMs * 2 ** (attempt - 1), this.failing ? this.hurry.signal : this.closing.signal);
    }
  }

  /** null when the receiver took the push, else what went wrong. */
  private async send(body: Uint8Array): Promise<string | null> {
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        body,
        headers: { ...this.format.headers, 'user-agent': 'innobench', ...(this.auth ? { authorization: this.auth } : {}) },
        signal: AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), this.closing.signal]),
      });
      if (response.ok) {
        await response.arrayBuffer();
        return null;
      }
      const text = (await response.text()).trim().slice(0, 200);
      return `HTTP ${response.status}${text ? `: ${text}` : ''}`;
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return `${error instanceof Error ? error.message : String(error)}${cause}`;
    }
  }
}

/** A wait that ends early when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
