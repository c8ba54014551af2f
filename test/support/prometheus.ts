/**
 * A private Prometheus (Debian's `prometheus`, installed by `scripts/setup-mariadb.sh --with-tools`)
 * on a free loopback port with a temporary storage folder: either scraping one target every second
 * or only receiving remote writes. The tests query its HTTP API; nothing else uses it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS = '/usr/bin/prometheus';

export function prometheusMissing(): string | false {
  return existsSync(PROMETHEUS) ? false : `prometheus is not installed at ${PROMETHEUS} (bash scripts/setup-mariadb.sh --with-tools)`;
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivatePrometheus {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  remoteWriteUrl: string;
  /** An instant query's vector result. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  /** Every label set of the series that match. */
  series(match: string): Promise<Array<Record<string, string>>>;
  stop(): Promise<void>;
}

export async function startPrometheus(scrapeTarget?: string): Promise<PrivatePrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'ib-prometheus-'));
  const port = await freePort();
  const scrape = scrapeTarget ? `scrape_configs:\n  - job_name: innobench\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['${scrapeTarget}']\n` : 'scrape_configs: []\n';
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n${scrape}`);
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready on ${url}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const api = async (path: string, params: Record<string, string>): Promise<unknown> => {
    const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`);
    const body = (await response.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path} ${JSON.stringify(params)}: ${body.error ?? response.status}`);
    return body.data;
  };
  return {
    url,
    remoteWriteUrl: `${url}/api/v1/write`,
    query: async (promql) => {
      const data = (await api('query', { query: promql })) as { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    series: async (match) => (await api('series', { 'match[]': match })) as Array<Record<string, string>>,
    stop,
  };
}
