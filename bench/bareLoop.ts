/**
 * The floor under innobench's read path: a bare loop of one driver, no harness. `--connections`
 * connections (split over `--threads` event loops) each run read-member-features' SELECT on a
 * member picked at random, one after the other, for `--duration` seconds, through the driver's
 * own callback API, statement prepared once per connection and executed with the member's id
 * (rows as arrays), as the worker connections do. Member ids are read over the text protocol, so that the server's
 * Com_stmt_execute counts the measured reads only. Prints one JSON line: queries, seconds, q/s,
 * p95 ms.
 *
 *   node dist/bench/bareLoop.js --driver mariadb --connections 100 --threads 1 --duration 15 --flag benchr
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2';
import mariadb from 'mariadb/callback';
import { DRIVERS, type DriverName } from '../src/config/connection.js';
import { decodeHistogram, encodeHistogram, latencySummaryMs, newHistogram, recordMicros } from '../src/metrics/histogram.js';
import { LOAD_THREAD_RESOURCES } from '../src/engine/loadThreads.js';
import { positiveInteger } from './common.js';

interface LoopOptions {
  driver: DriverName;
  connections: number;
  threads: number;
  durationSec: number;
  flag: string;
  host: string;
  port: number;
  database: string;
}

interface ThreadResult {
  queries: number;
  histogram: string;
}

/** One connection's loop: run `read(memberId, done)` back to back until `until`. */
type Read = (memberId: number, done: (error: Error | null) => void) => void;

function parseOptions(argv: string[]): LoopOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      driver: { type: 'string', default: 'mariadb' },
      connections: { type: 'string', default: '100' },
      threads: { type: 'string', default: '1' },
      duration: { type: 'string', default: '15' },
      flag: { type: 'string', default: 'benchr' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '3306' },
      database: { type: 'string', default: 'innobench' },
    },
    strict: true,
  });
  if (!(DRIVERS as readonly string[]).includes(values.driver)) throw new Error(`--driver ${values.driver}: expected one of ${DRIVERS.join(', ')}`);
  return {
    driver: values.driver as DriverName,
    connections: positiveInteger('connections', values.connections),
    threads: positiveInteger('threads', values.threads),
    durationSec: positiveInteger('duration', values.duration),
    flag: values.flag,
    host: values.host,
    port: positiveInteger('port', values.port),
    database: values.database,
  };
}

/**
 * As the worker connections wait (src/db/connect.ts): the mariadb connector's own default, 1 s,
 * was too short for 100 connections opened at once on a loaded machine.
 */
const CONNECT_TIMEOUT_MS = 10_000;

/** The surrogate design's memberFeaturesSql, as innobench and the sysbench script send it. */
function selectSql(flag: string): string {
  return `SELECT f.feature FROM \`image_${flag}\` i JOIN \`feature_${flag}_1\` f ON f.image_id = i.id WHERE i.member_id = ?`;
}

function openMysql2(options: LoopOptions, sql: string): Promise<{ read: Read; memberIds: () => Promise<number[]>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const connection = mysql.createConnection({ host: options.host, port: options.port, user: 'root', database: options.database, rowsAsArray: true, connectTimeout: CONNECT_TIMEOUT_MS });
    connection.connect((error) => {
      if (error) return reject(error);
      connection.prepare(sql, (e, statement) => {
        if (e) return reject(e);
        resolve({
          read: (memberId, done) => statement.execute([memberId], (err) => done(err)),
          memberIds: () =>
            new Promise((ok, fail) => connection.query(`SELECT id FROM \`member_${options.flag}\``, (err, rows) => (err ? fail(err) : ok((rows as number[][]).map((row) => row[0]!))))),
          close: () => connection.destroy(),
        });
      });
    });
  });
}

function openMariadb(options: LoopOptions, sql: string): Promise<{ read: Read; memberIds: () => Promise<number[]>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const connection = mariadb.createConnection({ host: options.host, port: options.port, user: 'root', database: options.database, rowsAsArray: true, prepareCacheLength: 0, connectTimeout: CONNECT_TIMEOUT_MS });
    connection.once('connect', (error?: Error) => {
      if (error) return reject(error);
      connection.prepare(sql, (e, statement) => {
        if (e || !statement) return reject(e ?? new Error('prepare failed'));
        resolve({
          read: (memberId, done) => statement.execute([memberId], (err) => done(err)),
          memberIds: () =>
            new Promise((ok, fail) => connection.query(`SELECT id FROM \`member_${options.flag}\``, (err, rows: unknown) => (err ? fail(err) : ok((rows as number[][]).map((row) => row[0]!))))),
          close: () => connection.destroy(),
        });
      });
    });
  });
}

/** This thread's share of the connections, each looping until the deadline. */
async function runThread(options: LoopOptions, connections: number): Promise<ThreadResult> {
  const open = options.driver === 'mariadb' ? openMariadb : openMysql2;
  const opened = await Promise.all(Array.from({ length: connections }, () => open(options, selectSql(options.flag))));
  const memberIds = await opened[0]!.memberIds();
  const histogram = newHistogram();
  let queries = 0;
  const until = performance.now() + options.durationSec * 1000;
  await Promise.all(
    opened.map(
      (connection) =>
        new Promise<void>((resolve, reject) => {
          const next = (): void => {
            const started = performance.now();
            if (started >= until) return resolve();
            connection.read(memberIds[Math.floor(Math.random() * memberIds.length)]!, (error) => {
              if (error) return reject(error);
              recordMicros(histogram, (performance.now() - started) * 1000);
              queries++;
              next();
            });
          };
          next();
        }),
    ),
  );
  for (const connection of opened) connection.close();
  return { queries, histogram: encodeHistogram(histogram) };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const shares = Array.from({ length: options.threads }, (_, t) => Math.floor(options.connections / options.threads) + (t < options.connections % options.threads ? 1 : 0));
  const results = await Promise.all(
    shares.map(
      (connections) =>
        new Promise<ThreadResult>((resolve, reject) => {
          // The load threads' heap settings, so that the comparison isolates the harness's own work.
          const worker = new Worker(new URL(import.meta.url), { workerData: { options, connections }, resourceLimits: LOAD_THREAD_RESOURCES });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const merged = newHistogram();
  for (const result of results) merged.add(decodeHistogram(result.histogram));
  const queries = results.reduce((sum, result) => sum + result.queries, 0);
  const p95Ms = latencySummaryMs(merged).p95;
  // Over the loops' own time: connecting and reading the member ids come before it.
  console.log(JSON.stringify({ driver: options.driver, queries, seconds: options.durationSec, queriesPerSec: queries / options.durationSec, p95Ms }));
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(`bare loop failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
} else {
  const { options, connections } = workerData as { options: LoopOptions; connections: number };
  runThread(options, connections).then((result) => parentPort!.postMessage(result));
}
