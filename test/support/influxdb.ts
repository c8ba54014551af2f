/**
 * A private InfluxDB 1.x (Debian's `influxdb`, installed by setup-mariadb.sh --with-tools) on free
 * loopback ports with its data in a temporary folder; stopped and removed by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './prometheus.js';

const INFLUXD = '/usr/bin/influxd';

export interface Influx {
  url: string;
  query(database: string, q: string): Promise<unknown>;
  stop(): Promise<void>;
}

/** Why the real InfluxDB cannot be used here, or false. */
export function influxdbMissing(): string | false {
  return existsSync(INFLUXD) ? false : `${INFLUXD} is not installed (bash scripts/setup-mariadb.sh --with-tools installs Debian's influxdb)`;
}

export async function startInfluxdb(): Promise<Influx> {
  const dir = mkdtempSync(join(tmpdir(), 'ib-influx-'));
  const [http, rpc] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpc}"`,
      `[meta]\n  dir = "${dir}/meta"`,
      `[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false`,
      `[http]\n  bind-address = "127.0.0.1:${http}"\n  log-enabled = false`,
      '[monitor]\n  store-enabled = false',
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn(INFLUXD, ['-config', config], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${http}`;
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${url}/ping`).then((r) => r.status === 204, () => false);
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`influxd did not answer on ${url} within 30 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const query = async (database: string, q: string): Promise<unknown> => {
    const response = await fetch(`${url}/query?db=${encodeURIComponent(database)}&q=${encodeURIComponent(q)}`, { method: 'POST' });
    if (!response.ok) throw new Error(`influxdb query ${q}: HTTP ${response.status} ${await response.text()}`);
    return response.json();
  };
  return { url, query, stop };
}
