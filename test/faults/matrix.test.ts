/**
 * The matrix against a private MariaDB that offers TLS: a REQUIRE SSL account runs a matrix with
 * --ssl-mode REQUIRED (and with an option file saying so) — the matrix and every run encrypted, the
 * password on no process's command line; a non-dynamic variable applied through a drop-in and a
 * restart, the restart command (which carries a secret) masked in the output, matrix.json and
 * run.json, an earlier innobench drop-in kept beside the file while the matrix runs and put back;
 * and a drop-in refused over a file innobench did not create.
 *
 * The restart command is a script that asks this test process to restart the server (the private
 * server is this process's child): the test reads the drop-in's [mysqld] group as a server started
 * with it would, and starts mariadbd with those options.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOptionFile } from '../../src/config/connection.js';
import { DROP_IN_MARKER, dropInContent } from '../../src/experiment/dropIn.js';
import type { MatrixFile, StoredRun } from '../../src/results/readRuns.js';
import { describeResult, listFilesRecursive, runCli, smallFeatureFile, tempDir, type CliResult, onlyMatrixFolder, readJson } from '../helpers.js';
import { disposableServerSkipReason, startDisposableServer, type DisposableServer } from '../support/disposableServer.js';
import { makeCertificates, opensslSkipReason, tlsServerArgs, type TestCertificates } from '../support/certificates.js';

const DATABASE = 'ib_fault_matrix';
const FLAG = 'mx';
const RESTART_SECRET = 'Restart-Secret-9a7e3';
const sslUser = { user: 'ib_matrix_ssl', password: 'Matrix-ssl-Pw-3f0b8' };
const skip = disposableServerSkipReason() || opensslSkipReason();

let server: DisposableServer;
let dir: ReturnType<typeof tempDir>;
let certs: TestCertificates;

function runPart(): string[] {
  return ['--', 'run', 'insert-features', '--flag', FLAG, '--feature-file', smallFeatureFile(), '--workers', '4', '--duration', '2s', '--interval', '1s', '--rate', '200/s'];
}

async function globalValue(kind: 'STATUS' | 'VARIABLES', name: string): Promise<string> {
  const rows = await server.query<Array<{ Value: string }>>(`SHOW GLOBAL ${kind} LIKE ?`, [name]);
  return rows[0]?.Value ?? '';
}

/** Fails when any text holds the secret: output, and every file under `root`. */
function assertNowhere(secret: string, result: CliResult, root: string): void {
  assert.ok(!result.stdout.includes(secret), 'the secret is on stdout');
  assert.ok(!result.stderr.includes(secret), 'the secret is on stderr');
  for (const file of listFilesRecursive(root)) assert.ok(!readFileSync(join(root, file), 'latin1').includes(secret), `the secret is in ${file}`);
}

/** Every process's command line that holds `needle`, read from /proc while `body` runs. */
async function commandLinesHolding<T>(needle: string, body: () => Promise<T>): Promise<{ value: T; seen: string[]; scans: number }> {
  const seen = new Set<string>();
  let scans = 0;
  const scan = (): void => {
    scans++;
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const line = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ');
        if (line.includes(needle)) seen.add(line.replace(needle, '***'));
      } catch {
        // the process ended meanwhile
      }
    }
  };
  const timer = setInterval(scan, 100);
  try {
    return { value: await body(), seen: [...seen], scans };
  } finally {
    clearInterval(timer);
  }
}

describe('matrix against a private MariaDB with TLS', { skip, timeout: 300_000 }, () => {
  before(async () => {
    dir = tempDir('ib-test-matrix-faults-');
    certs = makeCertificates(dir.path);
    server = await startDisposableServer({ args: tlsServerArgs(certs) });
    await server.query(`CREATE DATABASE ${DATABASE}`);
    await server.query("CREATE USER ?@'%' IDENTIFIED BY ? REQUIRE SSL", [sslUser.user, sslUser.password]);
    // SET GLOBAL needs SUPER: the matrix changes server variables as this account.
    await server.query("GRANT ALL PRIVILEGES ON *.* TO ?@'%'", [sslUser.user]);
    const prepared = await runCli(['prepare', 'insert-features', ...server.connectionArgs(DATABASE), '--flag', FLAG, '--groups', '2', '--members', '20', '--images', '20']);
    assert.equal(prepared.code, 0, describeResult(prepared));
  });

  after(async () => {
    await server?.remove();
    dir?.remove();
  });

  /** The matrix and its runs as the REQUIRE SSL account; `how` says where TLS and the password come from. */
  async function tlsMatrix(name: string, how: string[], env: Record<string, string>): Promise<void> {
    const results = join(dir.path, name);
    const sslBefore = Number(await globalValue('STATUS', 'Ssl_accepts'));
    const original = await globalValue('VARIABLES', 'innodb_flush_log_at_trx_commit');
    const { value: result, seen, scans } = await commandLinesHolding(sslUser.password, () =>
      runCli(['matrix', '--set', 'innodb_flush_log_at_trx_commit=2,0', '--repeat', '1', '--results', results, '--host', '127.0.0.1', '--port', String(server.port), '--database', DATABASE, ...how, ...runPart()], {
        env,
        timeoutMs: 120_000,
      }),
    );
    assert.equal(result.code, 0, describeResult(result));
    assert.ok(scans > 10, `the command lines were read ${scans} times`);
    assert.deepEqual(seen, [], 'a process had the password on its command line');
    const folder = onlyMatrixFolder(results);
    const matrix = readJson<MatrixFile>(join(folder, 'matrix.json'));
    assert.equal(matrix.state, 'completed');
    assert.deepEqual(matrix.runs.map((run) => run.state), ['completed', 'completed']);
    for (const record of matrix.runs) {
      const run = readJson<StoredRun>(join(folder, record.runId!, 'run.json'));
      assert.deepEqual((run.config as { connection?: { ssl?: unknown; user?: string } }).connection?.ssl, { mode: 'REQUIRED' }, 'the run connected with TLS');
      assert.equal((run.config as { connection?: { user?: string } }).connection?.user, sslUser.user);
    }
    // REQUIRE SSL refuses any plain connection; each run's 4 workers and control connections, and the matrix's own, were TLS handshakes.
    const accepted = Number(await globalValue('STATUS', 'Ssl_accepts')) - sslBefore;
    assert.ok(accepted >= 2 * (4 + 2) + 1, `Ssl_accepts grew by ${accepted}`);
    assert.equal(await globalValue('VARIABLES', 'innodb_flush_log_at_trx_commit'), original, 'restored');
    assertNowhere(sslUser.password, result, results);
  }

  test('--ssl-mode REQUIRED as a REQUIRE SSL account, the password in MYSQL_PWD: matrix and runs encrypted, the password on no command line', async () => {
    await tlsMatrix('flags', ['--user', sslUser.user, '--ssl-mode', 'REQUIRED'], { MYSQL_PWD: sslUser.password });
  });

  test('--defaults-file with the account, its password and ssl-mode REQUIRED: the runs read it too', async () => {
    const file = join(dir.path, 'matrix-client.cnf');
    writeFileSync(file, `[client]\nuser = ${sslUser.user}\npassword = ${sslUser.password}\nssl-mode = REQUIRED\n`);
    await tlsMatrix('defaults-file', ['--defaults-file', file], {});
  });

  /** A restart script that hands the restart to this process; `restarts` counts the restarts done. */
  function restartHandshake(dropIn: string): { command: string; stop(): void; restarts: () => number; savedSeen: () => boolean } {
    const request = join(dir.path, 'restart-request');
    const done = join(dir.path, 'restart-done');
    const script = join(dir.path, 'restart.sh');
    writeFileSync(script, `#!/bin/sh\nrm -f "${done}"\ntouch "${request}"\nwhile [ ! -e "${done}" ]; do sleep 0.1; done\nrm -f "${done}"\n`);
    chmodSync(script, 0o755);
    let restarts = 0;
    let savedSeen = false;
    let busy = false;
    const timer = setInterval(() => {
      if (busy || !existsSync(request)) return;
      busy = true;
      rmSync(request);
      if (existsSync(`${dropIn}.innobench-orig`)) savedSeen = true;
      // What the server would read at start: the drop-in's [mysqld] group.
      const options = existsSync(dropIn) ? (parseOptionFile(readFileSync(dropIn, 'utf8')).get('mysqld') ?? []).map(([name, value]) => `--${name}=${value}`) : [];
      void server
        .stop()
        .then(() => server.start([...tlsServerArgs(certs), ...options]))
        .then(() => {
          restarts++;
          writeFileSync(done, '');
        })
        .finally(() => (busy = false));
    }, 100);
    return { command: `IB_RESTART_PASSWORD=${RESTART_SECRET} ${script} --password ${RESTART_SECRET}`, stop: () => clearInterval(timer), restarts: () => restarts, savedSeen: () => savedSeen };
  }

  test('back_log through a drop-in and restarts: applied, verified, restored; an earlier drop-in put back; the restart command masked everywhere', async () => {
    const confDir = join(dir.path, 'conf.d');
    mkdirSync(confDir, { recursive: true });
    const dropIn = join(confDir, '99-innobench.cnf');
    const earlier = dropInContent({}, 'left by an earlier matrix');
    writeFileSync(dropIn, earlier);
    const original = await globalValue('VARIABLES', 'back_log');
    const values = [Number(original) + 7, Number(original) + 9];
    const results = join(dir.path, 'restart');
    const handshake = restartHandshake(dropIn);
    let result: CliResult;
    try {
      result = await runCli(
        ['matrix', '--set', `back_log=${values.join(',')}`, '--repeat', '1', '--results', results, '--restart-cmd', handshake.command, '--drop-in', dropIn, '--restart-timeout', '90s', ...server.connectionArgs(DATABASE), ...runPart()],
        { timeoutMs: 240_000 },
      );
    } finally {
      handshake.stop();
    }
    assert.equal(result.code, 0, describeResult(result));
    assert.equal(handshake.restarts(), 3, 'one restart per value, one to restore');
    assert.ok(handshake.savedSeen(), 'the earlier drop-in was kept beside the file while the matrix ran');
    assert.equal(readFileSync(dropIn, 'utf8'), earlier, 'the earlier drop-in is back');
    assert.deepEqual(readdirSync(confDir), ['99-innobench.cnf'], 'no saved or temporary file left');
    assert.equal(await globalValue('VARIABLES', 'back_log'), original);

    const folder = onlyMatrixFolder(results);
    const matrix = readJson<MatrixFile>(join(folder, 'matrix.json'));
    assert.equal(matrix.state, 'completed');
    assert.deepEqual(
      matrix.runs.map((run) => run.applied?.map((a) => [a.name, a.inEffect, a.method])),
      values.map((value) => [['back_log', String(value), 'restart']]),
    );
    assert.deepEqual(matrix.restored.map((r) => [r.name, r.value, r.ok]), [['back_log', original, true]]);
    assert.match(matrix.restored[0]!.detail, /drop-in put back and server restarted/);
    // Masked, not dropped: the command is still recognisable.
    assert.equal(matrix.restart?.command, `IB_RESTART_PASSWORD=*** ${join(dir.path, 'restart.sh')} --password ***`);
    assert.match(result.stderr, /restarting the server: IB_RESTART_PASSWORD=\*\*\* .*restart\.sh --password \*\*\*/);
    assertNowhere(RESTART_SECRET, result, results);
    for (const record of matrix.runs) assert.ok(!JSON.stringify(readJson<StoredRun>(join(folder, record.runId!, 'run.json'))).includes(RESTART_SECRET));
  });

  test('a drop-in over a file innobench did not create is refused before anything changes', async () => {
    const foreign = join(dir.path, 'conf.d', '50-server.cnf');
    mkdirSync(join(dir.path, 'conf.d'), { recursive: true });
    const content = '[mysqld]\nback_log = 100\n';
    writeFileSync(foreign, content);
    const results = join(dir.path, 'refused');
    const handshake = restartHandshake(foreign);
    let result: CliResult;
    try {
      result = await runCli(['matrix', '--set', 'back_log=60,70', '--repeat', '1', '--results', results, '--restart-cmd', handshake.command, '--drop-in', foreign, ...server.connectionArgs(DATABASE), ...runPart()]);
    } finally {
      handshake.stop();
    }
    assert.equal(result.code, 2, describeResult(result));
    assert.ok(result.stderr.includes(`--drop-in ${foreign}: the file exists and innobench did not create it`), result.stderr);
    assert.ok(result.stderr.includes(DROP_IN_MARKER), 'the message says how innobench recognises its own files');
    assert.equal(readFileSync(foreign, 'utf8'), content, 'the file is untouched');
    assert.equal(handshake.restarts(), 0, 'no restart');
    assert.ok(!existsSync(results) || readdirSync(results).length === 0, 'no matrix folder');
    assert.ok(!result.stderr.includes(RESTART_SECRET));
  });
});
