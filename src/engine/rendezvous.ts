/**
 * N client hosts started together (`--shard auto/N`, or `--rendezvous ID` with `--shard i/N`): the
 * shards meet at a table in the harness's database on the target server, whose clock they all
 * share.
 *
 * 1. join (before anything is created): each shard registers its row and waits until all N have,
 *    with the same configuration; on timeout it takes its row out and the run does not happen.
 * 2. ready (once its workers are connected): each marks itself ready; the last one fixes a start
 *    time a little ahead on the server's clock; each waits until that moment on its own clock,
 *    corrected by its offset from the server's (measured from a round trip), and starts.
 * 3. finish: each records its end; the record holds every shard's start and end (server clock)
 *    and the start skew.
 * Rows of an earlier set with the same id (registered before the timeout window, or started
 * already) are removed when a shard registers.
 */
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from '../config/connection.js';
import { connectControl, type PromiseConnection } from '../db/connect.js';
import { classifyError } from '../db/errors.js';
import type { RendezvousRecord } from '../results/types.js';

const RENDEZVOUS_TABLE = 'innobench_rendezvous';
const POLL_MS = 20;
/** How far ahead the last shard sets the start: the others must see it in time, a few polls away. */
const LEAD_MS = 300;

export interface RendezvousOptions {
  setId: string;
  /** 0-based. */
  shard: number;
  of: number;
  timeoutMs: number;
  /** The run's configuration, the same for every shard (index excepted). */
  configKey: string;
  log: (line: string) => void;
}

const NOW_US = 'CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)';

interface Row {
  shard: number;
  of_n: number;
  host: string;
  config_key: string;
  ready_us: number | null;
  start_us: number | null;
  started_us: number | null;
  ended_us: number | null;
}

/** Wall-clock ms with sub-millisecond resolution (round trips on one machine are far below 1 ms). */
const now = (): number => performance.timeOrigin + performance.now();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

const label = (shard: number, of: number): string => `${shard + 1}/${of}`;
const iso = (us: number | null): string | null => (us === null ? null : new Date(Math.round(Number(us) / 1000)).toISOString());

export class Rendezvous {
  private clockOffsetMs = 0;
  private rttMs = 0;
  private waitedMs = 0;
  private startUs: number | null = null;
  private readonly host = hostname();

  private constructor(
    private readonly connection: ConnectionOptions,
    private readonly o: RendezvousOptions,
  ) {}

  /** Registers and waits for all N shards; throws (its row taken out again) when they do not all come. */
  static async join(connection: ConnectionOptions, options: RendezvousOptions): Promise<Rendezvous> {
    const rendezvous = new Rendezvous(connection, options);
    await rendezvous.withControl(async (control) => {
      await control.query(
        `CREATE TABLE IF NOT EXISTS ${RENDEZVOUS_TABLE} (set_id VARCHAR(128) NOT NULL, shard INT NOT NULL, of_n INT NOT NULL, host VARCHAR(255) NOT NULL, config_key VARCHAR(64) NOT NULL,
          registered_us BIGINT NOT NULL, ready_us BIGINT NULL, start_us BIGINT NULL, started_us BIGINT NULL, ended_us BIGINT NULL, PRIMARY KEY (set_id, shard)) ENGINE=InnoDB`,
      );
      await control.query(`DELETE FROM ${RENDEZVOUS_TABLE} WHERE set_id = ? AND (registered_us < ${NOW_US} - ? OR start_us < ${NOW_US})`, [options.setId, options.timeoutMs * 1000]);
      await control.query(`REPLACE INTO ${RENDEZVOUS_TABLE} (set_id, shard, of_n, host, config_key, registered_us) VALUES (?, ?, ?, ?, ?, ${NOW_US})`, [
        options.setId,
        options.shard,
        options.of,
        rendezvous.host,
        options.configKey,
      ]);
    });
    options.log(`rendezvous "${options.setId}": shard ${label(options.shard, options.of)} registered, waiting for the others (up to ${options.timeoutMs / 1000} s)`);
    try {
      await rendezvous.waitFor('registered', (rows) => rows.length >= options.of);
    } catch (error) {
      await rendezvous.withControl((control) => control.query(`DELETE FROM ${RENDEZVOUS_TABLE} WHERE set_id = ? AND shard = ?`, [options.setId, options.shard])).catch(() => undefined);
      throw error;
    }
    return rendezvous;
  }

  /** Every worker connected: marks this shard ready, waits for the common start time, and returns at it. */
  async ready(): Promise<void> {
    const { setId, shard, of } = this.o;
    await this.withControl(async (control) => {
      await control.query(`UPDATE ${RENDEZVOUS_TABLE} SET ready_us = ${NOW_US} WHERE set_id = ? AND shard = ?`, [setId, shard]);
      // The last one ready fixes the start; FOR UPDATE makes the check and the fix one step.
      for (let attempt = 0; ; attempt++) {
        try {
          await control.query('BEGIN');
          const [rows] = await control.query(`SELECT COUNT(ready_us) AS ready FROM ${RENDEZVOUS_TABLE} WHERE set_id = ? FOR UPDATE`, [setId]);
          if (Number((rows as Array<{ ready: number }>)[0]?.ready) >= of) {
            await control.query(`UPDATE ${RENDEZVOUS_TABLE} SET start_us = ${NOW_US} + ? WHERE set_id = ? AND start_us IS NULL`, [LEAD_MS * 1000, setId]);
          }
          await control.query('COMMIT');
          break;
        } catch (error) {
          await control.query('ROLLBACK').catch(() => undefined);
          if (classifyError(error) !== 'deadlock' || attempt > 20) throw error;
        }
      }
    });
    const rows = await this.waitFor('ready', (all) => all.length >= of && all.every((row) => row.start_us !== null));
    this.startUs = Number(rows[0]!.start_us);
    const startLocalMs = this.startUs / 1000 - this.clockOffsetMs;
    const before = now();
    // A timer may fire late on a busy machine: sleep to just short of the start, then yield until it.
    await sleep(startLocalMs - now() - 15);
    while (now() < startLocalMs) await new Promise((resolve) => setImmediate(resolve));
    this.waitedMs = Math.round(now() - before);
    const startedUs = Math.round((now() + this.clockOffsetMs) * 1000);
    await this.withControl((control) => control.query(`UPDATE ${RENDEZVOUS_TABLE} SET started_us = ? WHERE set_id = ? AND shard = ?`, [startedUs, setId, shard]));
    this.o.log(`rendezvous "${setId}": all ${of} shards ready, started at ${iso(startedUs)} (server clock; this host's offset ${this.clockOffsetMs.toFixed(1)} ms, round trip ${this.rttMs.toFixed(1)} ms)`);
  }

  /** Records this shard's end and returns every shard's start and end, with the start skew. */
  async finish(): Promise<RendezvousRecord> {
    const { setId, shard, of } = this.o;
    let rows: Row[] = [];
    await this.withControl(async (control) => {
      await control.query(`UPDATE ${RENDEZVOUS_TABLE} SET ended_us = ? WHERE set_id = ? AND shard = ?`, [Math.round((now() + this.clockOffsetMs) * 1000), setId, shard]);
      rows = await this.rows(control);
    });
    const started = rows.map((row) => row.started_us).filter((us): us is number => us !== null).map(Number);
    return {
      setId,
      of,
      shard,
      startAt: iso(this.startUs),
      clockOffsetMs: Math.round(this.clockOffsetMs * 10) / 10,
      rttMs: Math.round(this.rttMs * 10) / 10,
      waitedMs: this.waitedMs,
      skewMs: started.length === of ? Math.round((Math.max(...started) - Math.min(...started)) / 100) / 10 : null,
      shards: rows.map((row) => ({ shard: row.shard, host: row.host, startedAt: iso(row.started_us), endedAt: iso(row.ended_us) })),
    };
  }

  /** Polls the set's rows until `done`; measures the clock offset on the way; throws a clear message on timeout. */
  private async waitFor(phase: 'registered' | 'ready', done: (rows: Row[]) => boolean): Promise<Row[]> {
    const { setId, of, timeoutMs, configKey } = this.o;
    const deadline = Date.now() + timeoutMs;
    return this.withControl(async (control) => {
      for (;;) {
        const sentAt = now();
        const [clock] = await control.query(`SELECT ${NOW_US} AS now_us`);
        const receivedAt = now();
        const serverMs = Number((clock as Array<{ now_us: number }>)[0]!.now_us) / 1000;
        // The fastest round trip gives the best offset estimate.
        if (this.rttMs === 0 || receivedAt - sentAt <= this.rttMs) {
          this.rttMs = Math.max(0.001, receivedAt - sentAt);
          this.clockOffsetMs = serverMs - (sentAt + receivedAt) / 2;
        }
        const rows = await this.rows(control);
        const otherSets = rows.filter((row) => row.of_n !== of);
        if (otherSets.length) throw new Error(`rendezvous "${setId}": shard ${label(otherSets[0]!.shard, otherSets[0]!.of_n)} (${otherSets[0]!.host}) belongs to a set of ${otherSets[0]!.of_n}, this one to ${of}: use another --rendezvous id`);
        const different = rows.filter((row) => row.config_key !== configKey);
        if (different.length) throw new Error(`rendezvous "${setId}": shard ${label(different[0]!.shard, of)} (${different[0]!.host}) runs a different configuration: every shard must be given the same options`);
        if (done(rows)) return rows;
        if (Date.now() > deadline) {
          const present = new Set(rows.filter((row) => phase === 'registered' || row.ready_us !== null).map((row) => row.shard));
          const missing = Array.from({ length: of }, (_, i) => i).filter((i) => !present.has(i)).map((i) => label(i, of));
          throw new Error(
            `rendezvous "${setId}": only ${present.size} of ${of} shards ${phase === 'registered' ? 'arrived' : 'were ready'} within ${timeoutMs / 1000} s (missing: shard ${missing.join(', ')}); no run was started`,
          );
        }
        await sleep(POLL_MS);
      }
    });
  }

  private async rows(control: PromiseConnection): Promise<Row[]> {
    const [rows] = await control.query(`SELECT shard, of_n, host, config_key, ready_us, start_us, started_us, ended_us FROM ${RENDEZVOUS_TABLE} WHERE set_id = ? ORDER BY shard`, [this.o.setId]);
    return rows as Row[];
  }

  private async withControl<T>(work: (control: PromiseConnection) => Promise<T>): Promise<T> {
    const control = await connectControl(this.connection);
    try {
      return await work(control);
    } finally {
      await control.end().catch(() => undefined);
    }
  }
}
