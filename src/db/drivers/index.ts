/**
 * The worker connection for a run's driver (--driver): the one place that knows which drivers
 * exist, so that scenarios and the worker loop see only a WorkerConnection.
 */
import { DEFAULT_DRIVER, type ConnectionOptions, type DriverName } from '../../config/connection.js';
import { isNoTlsSupport, withoutTls } from '../tls.js';
import type { WorkerConnection } from '../workerConnection.js';
import { connectMariadb, mariadbVersion } from './mariadb.js';
import { connectMysql2, mysql2Version } from './mysql2.js';

const DRIVER_CONNECT: Record<DriverName, (options: ConnectionOptions) => Promise<WorkerConnection>> = {
  mysql2: connectMysql2,
  mariadb: connectMariadb,
};

/** A worker's connection on the run's driver; resolves once the handshake is done. */
export function connectWorker(options: ConnectionOptions): Promise<WorkerConnection> {
  const connect = DRIVER_CONNECT[options.driver ?? DEFAULT_DRIVER];
  return connect(options).catch((error: unknown) => {
    if (options.ssl?.mode === 'PREFERRED' && isNoTlsSupport(error)) return connect(withoutTls(options));
    throw error;
  });
}

/** The installed version of a driver. */
export function driverVersion(name: DriverName): string {
  return name === 'mariadb' ? mariadbVersion() : mysql2Version();
}

/** The driver a run's workers use and its installed version, for run.json and the report. */
export function workerDriver(options: ConnectionOptions): { name: DriverName; version: string } {
  const name = options.driver ?? DEFAULT_DRIVER;
  return { name, version: driverVersion(name) };
}

