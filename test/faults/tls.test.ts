/**
 * TLS: `--ssl-mode DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY` with `--ssl-ca/--ssl-cert/
 * --ssl-key` (or the option file's [client] ssl-*), mapped to mysql2's `ssl`. Against a private
 * MariaDB given a certificate generated here with openssl (a throw-away CA, a server certificate
 * for 127.0.0.1, a client certificate), with one account created `REQUIRE SSL` and one
 * `REQUIRE X509`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeResult, listFilesRecursive, readOnlyRunFolder, runCli, smallFeatureFile, stackTraceLines, tempDir, type CliResult } from '../helpers.js';
import { DEFAULT_DRIVER, DRIVERS, resolveConnection, resolveTls, type ConnectionOptions, type DriverName } from '../../src/config/connection.js';
import { connectControl, sessionCipher } from '../../src/db/connect.js';
import { connectWorker } from '../../src/db/drivers/index.js';
import { explainTlsError, tlsDriverOptions } from '../../src/db/tls.js';
import { queryRows } from '../../src/db/workerConnection.js';
import { makeCertificates, opensslSkipReason, tlsServerArgs as tlsArgsFor, type TestCertificates } from '../support/certificates.js';
import { disposableServerSkipReason, startDisposableServer, type DisposableServer } from '../support/disposableServer.js';

const DATABASE = 'ib_fault_tls';
const FLAG = 'tls';
const opensslMissing = opensslSkipReason();
const skip = disposableServerSkipReason() || opensslMissing;

let server: DisposableServer;
let dir: ReturnType<typeof tempDir>;
let certs: TestCertificates;
const sslUser = { user: 'ib_tls_ssl', password: 'Tls-ssl-Pw-7c1d9' };
const x509User = { user: 'ib_tls_x509', password: 'Tls-x509-Pw-2b8e4' };

function userArgs(account: { user: string; password: string }): string[] {
  return server.connectionArgs(DATABASE, account.user, account.password);
}

function runArgs(resultsRoot: string, connection: string[], tls: string[], driver: DriverName = DEFAULT_DRIVER): string[] {
  return ['run', 'insert-features', ...connection, ...tls, '--driver', driver, '--flag', FLAG, '--workers', '4', '--duration', '2s', '--interval', '1s', '--rate', '200/s', '--feature-file', smallFeatureFile(), '--results', resultsRoot];
}

async function sslAccepts(): Promise<number> {
  const rows = await server.query<Array<{ Value: string }>>("SHOW GLOBAL STATUS LIKE 'Ssl_accepts'");
  return Number(rows[0]?.Value ?? 0);
}

function assertFailsInOneLine(result: CliResult, pattern: RegExp, code = 1): string {
  assert.equal(result.code, code, describeResult(result));
  assert.deepEqual(stackTraceLines(result.stderr), []);
  const lines = result.stderr.split('\n').filter((line) => line.trim());
  assert.ok(lines.length >= 1 && lines.length <= 2 + (code === 2 ? 3 : 0), `expected one line:\n${result.stderr}`);
  assert.match(lines[0]!, pattern);
  for (const secret of [sslUser.password, x509User.password]) assert.ok(!result.stderr.includes(secret) && !result.stdout.includes(secret));
  return lines[0]!;
}

describe('TLS options (no server)', () => {
  test('resolveTls: modes, defaults and the option file', () => {
    assert.equal(resolveTls({}), undefined, 'no TLS option: not encrypted');
    assert.deepEqual(resolveTls({ sslMode: 'required' }), { mode: 'REQUIRED' });
    assert.deepEqual(resolveTls({ sslCa: '/ca.pem' }), { mode: 'VERIFY_CA', ca: '/ca.pem' }, '--ssl-ca alone means VERIFY_CA (as MySQL)');
    assert.deepEqual(resolveTls({ sslCert: '/c.pem', sslKey: '/k.pem' }), { mode: 'REQUIRED', cert: '/c.pem', key: '/k.pem' });
    assert.equal(resolveTls({ sslMode: 'DISABLED', sslCa: '/ca.pem' }), undefined);
    assert.deepEqual(resolveTls({ sslMode: 'verify-identity', sslCa: '/ca.pem' }), { mode: 'VERIFY_IDENTITY', ca: '/ca.pem' });
    assert.throws(() => resolveTls({ sslMode: 'sometimes' }), /--ssl-mode "sometimes": expected one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY/);
    // [client] ssl-ca / ssl-mode; MariaDB's bare `ssl`, `skip-ssl`, `ssl-verify-server-cert`.
    assert.deepEqual(resolveTls({}, { ssl_ca: '/f.pem', ssl_mode: 'REQUIRED' }), { mode: 'REQUIRED', ca: '/f.pem' });
    assert.deepEqual(resolveTls({ sslMode: 'VERIFY_CA' }, { ssl_ca: '/f.pem' }), { mode: 'VERIFY_CA', ca: '/f.pem' }, 'flags over the file');
    assert.deepEqual(resolveTls({}, { ssl: '1' }), { mode: 'REQUIRED' });
    assert.equal(resolveTls({}, { ssl: '1', skip_ssl: '1' }), undefined);
    assert.deepEqual(resolveTls({}, { ssl_verify_server_cert: '1', ssl_ca: '/f.pem' }), { mode: 'VERIFY_IDENTITY', ca: '/f.pem' });
  });

  test('the option file [client] ssl-* keys reach the connection', () => {
    const folder = tempDir('ib-test-tls-file-');
    try {
      const file = join(folder.path, 'my.cnf');
      writeFileSync(file, '[client]\nuser = u\nssl-ca = /etc/ca.pem\nssl-cert = "/etc/c.pem"\nssl_key = /etc/k.pem\nssl-mode = VERIFY_IDENTITY\n');
      const resolved = resolveConnection({ defaultsFile: file }, {}, folder.path);
      assert.deepEqual(resolved.ssl, { mode: 'VERIFY_IDENTITY', ca: '/etc/ca.pem', cert: '/etc/c.pem', key: '/etc/k.pem' });
      writeFileSync(file, '[client]\nssl\n');
      assert.deepEqual(resolveConnection({ defaultsFile: file }, {}, folder.path).ssl, { mode: 'REQUIRED' });
    } finally {
      folder.remove();
    }
  });

  test("tlsDriverOptions: each mode as mysql2's ssl", () => {
    const folder = tempDir('ib-test-tls-map-');
    try {
      const ca = join(folder.path, 'ca.pem');
      writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n');
      assert.equal(tlsDriverOptions(undefined), undefined);
      assert.equal(tlsDriverOptions({ mode: 'DISABLED' }), undefined);
      const required = tlsDriverOptions({ mode: 'REQUIRED' }) as Record<string, unknown>;
      assert.equal(required.rejectUnauthorized, false, 'REQUIRED encrypts without checking the certificate');
      const preferred = tlsDriverOptions({ mode: 'PREFERRED' }) as Record<string, unknown>;
      assert.equal(preferred.rejectUnauthorized, false);
      const verifyCa = tlsDriverOptions({ mode: 'VERIFY_CA', ca }) as Record<string, unknown>;
      assert.equal(verifyCa.rejectUnauthorized, true);
      assert.equal(verifyCa.verifyIdentity, false, 'VERIFY_CA does not check the host name');
      assert.match(String(verifyCa.ca), /BEGIN CERTIFICATE/, 'the file content, not its path');
      const verifyIdentity = tlsDriverOptions({ mode: 'VERIFY_IDENTITY', ca }) as Record<string, unknown>;
      assert.equal(verifyIdentity.rejectUnauthorized, true);
      assert.equal(verifyIdentity.verifyIdentity, true);
      assert.throws(() => tlsDriverOptions({ mode: 'VERIFY_CA', ca: join(folder.path, 'missing.pem') }), /--ssl-ca .*missing\.pem: cannot read the file \(ENOENT\)/);
    } finally {
      folder.remove();
    }
  });

  test('invalid TLS options: exit 2 naming the option, before connecting', async () => {
    const args = ['run', 'insert-features', '--port', '1', '--database', 'ib_never', '--results', '/nonexistent'];
    const badMode = await runCli([...args, '--ssl-mode', 'SOMETIMES']);
    assertFailsInOneLine(badMode, /--ssl-mode "SOMETIMES": expected one of/, 2);
    const missingCa = await runCli([...args, '--ssl-ca', '/nonexistent/ca.pem']);
    assertFailsInOneLine(missingCa, /--ssl-ca \/nonexistent\/ca\.pem: cannot read the file \(ENOENT\)/, 2);
    const certWithoutKey = await runCli([...args, '--ssl-cert', '/etc/hostname']);
    assertFailsInOneLine(certWithoutKey, /--ssl-cert and --ssl-key go together: --ssl-key is missing/, 2);
  });
});

describe('TLS against a private MariaDB with a self-signed CA', { skip, timeout: 180_000 }, () => {
  before(async () => {
    dir = tempDir('ib-test-tls-');
    certs = makeCertificates(dir.path);
    server = await startDisposableServer({ args: tlsArgsFor(certs) });
    await server.query(`CREATE DATABASE ${DATABASE}`);
    for (const [account, require] of [
      [sslUser, 'SSL'],
      [x509User, 'X509'],
    ] as const) {
      await server.query(`CREATE USER ?@'%' IDENTIFIED BY ? REQUIRE ${require}`, [account.user, account.password]);
      await server.query(`GRANT SELECT, INSERT ON \`${DATABASE}\`.* TO ?@'%'`, [account.user]);
    }
    // Enough images for every run below (400 inserts each, most on both drivers): a run left with no work fails.
    const prepared = await runCli(['prepare', 'insert-features', ...server.connectionArgs(DATABASE), '--flag', FLAG, '--groups', '2', '--members', '20', '--images', '250']);
    assert.equal(prepared.code, 0, describeResult(prepared));
  });

  after(async () => {
    await server?.remove();
    dir?.remove();
  });

  test('the server offers TLS', async () => {
    const rows = await server.query<Array<{ Value: string }>>("SHOW GLOBAL VARIABLES LIKE 'have_ssl'");
    assert.equal(rows[0]?.Value, 'YES', server.errorLogTail());
  });

  test('--ssl-mode REQUIRED: the run succeeds, every connection encrypted', async (t) => {
    const before = await sslAccepts();
    const root = join(dir.path, 'required');
    const result = await runCli(runArgs(root, userArgs(sslUser), ['--ssl-mode', 'REQUIRED']));
    assert.equal(result.code, 0, describeResult(result));
    const run = readOnlyRunFolder(root).run;
    assert.equal(run.state, 'completed');
    assert.ok(run.summary!.ops > 0);
    assert.equal(run.summary!.errors, 0, JSON.stringify(run.summary!.errorsByCode));
    // The account is REQUIRE SSL, so the server refused any unencrypted connection; and the
    // server counted a TLS handshake for each: 4 workers, control, sampler, after-run check.
    const accepted = (await sslAccepts()) - before;
    assert.ok(accepted >= 4 + 2, `Ssl_accepts grew by ${accepted}`);
    assert.deepEqual((run.config as { connection?: { ssl?: unknown } }).connection?.ssl, { mode: 'REQUIRED' }, 'run.json records the TLS mode');
    for (const text of [result.stdout, result.stderr, ...listFilesRecursive(root).map((file) => readFileSync(join(root, file), 'latin1'))]) {
      assert.ok(!text.includes(sslUser.password), 'the password appears in the output or the run folder');
    }
    t.diagnostic(`run ${run.summary!.ops} ops as a REQUIRE SSL account; Ssl_accepts +${accepted}`);
  });

  test("the harness's control and worker connections report a non-empty Ssl_cipher", async (t) => {
    const options: ConnectionOptions = { host: '127.0.0.1', port: server.port, ...sslUser, database: DATABASE, ssl: { mode: 'REQUIRED' } };
    const control = await connectControl(options);
    const cipher = await sessionCipher(control);
    await control.end();
    assert.notEqual(cipher, '');
    for (const driver of DRIVERS) {
      const worker = await connectWorker({ ...options, driver });
      const workerCipher = String((await queryRows(worker, "SHOW SESSION STATUS LIKE 'Ssl_cipher'"))[0]?.[1] ?? '');
      worker.destroy();
      assert.notEqual(workerCipher, '', driver);
      t.diagnostic(`Ssl_cipher: control ${cipher}, ${driver} worker ${workerCipher}`);
    }
  });

  test('without TLS the REQUIRE SSL account is refused with a clear line', async (t) => {
    const root = join(dir.path, 'plain');
    const result = await runCli(runArgs(root, userArgs(sslUser), []));
    const line = assertFailsInOneLine(result, /^innobench: cannot connect to ib_tls_ssl@127\.0\.0\.1:\d+\/ib_fault_tls \(password set\): access denied without TLS: this account requires TLS \(REQUIRE SSL\); add --ssl-mode REQUIRED/);
    t.diagnostic(line);
  });

  test('VERIFY_CA and VERIFY_IDENTITY with the right CA, on both drivers; VERIFY_CA with another CA is refused', async (t) => {
    for (const mode of ['VERIFY_CA', 'VERIFY_IDENTITY']) {
      for (const driver of DRIVERS) {
        const root = join(dir.path, `${mode}-${driver}`);
        const result = await runCli(runArgs(root, userArgs(sslUser), ['--ssl-mode', mode, '--ssl-ca', certs.ca], driver));
        assert.equal(result.code, 0, describeResult(result));
        const run = readOnlyRunFolder(root).run;
        assert.equal(run.state, 'completed');
        assert.equal(run.summary!.errors, 0, `${mode} ${driver}: ${JSON.stringify(run.summary!.errorsByCode)}`);
      }
    }
    const wrong = await runCli(runArgs(join(dir.path, 'wrong-ca'), userArgs(sslUser), ['--ssl-mode', 'VERIFY_CA', '--ssl-ca', certs.otherCa]));
    const line = assertFailsInOneLine(wrong, /^innobench: cannot connect to .*: TLS: the server certificate is not signed by a CA in --ssl-ca/);
    t.diagnostic(line);
  });

  test("a worker connection of either driver checks the CA, and its refusal is explained as the control connection's", async (t) => {
    const options: ConnectionOptions = { host: '127.0.0.1', port: server.port, ...sslUser, database: DATABASE, ssl: { mode: 'VERIFY_CA', ca: certs.otherCa } };
    for (const driver of DRIVERS) {
      const error = await connectWorker({ ...options, driver }).then(
        (connection) => {
          connection.destroy();
          return null;
        },
        (refused: unknown) => refused,
      );
      assert.ok(error, `${driver} connected with a CA that did not sign the server's certificate`);
      const line = explainTlsError(error, 'here');
      assert.match(line ?? String(error), /TLS: the server certificate is not signed by a CA in --ssl-ca/, driver);
      t.diagnostic(`${driver}: ${line}`);
    }
  });

  test('an option file with [client] ssl-ca and ssl-mode', async () => {
    const file = join(dir.path, 'tls.cnf');
    writeFileSync(file, `[client]\nuser = ${sslUser.user}\npassword = ${sslUser.password}\nssl-ca = ${certs.ca}\nssl-mode = VERIFY_IDENTITY\n`);
    const root = join(dir.path, 'option-file');
    const result = await runCli(runArgs(root, ['--defaults-file', file, '--host', '127.0.0.1', '--port', String(server.port), '--database', DATABASE], []));
    assert.equal(result.code, 0, describeResult(result));
    assert.equal(readOnlyRunFolder(root).run.state, 'completed');
  });

  test('REQUIRE X509: --ssl-cert/--ssl-key present the client certificate; without them the account is refused', async (t) => {
    for (const driver of DRIVERS) {
      const root = join(dir.path, `x509-${driver}`);
      const ok = await runCli(runArgs(root, userArgs(x509User), ['--ssl-mode', 'VERIFY_CA', '--ssl-ca', certs.ca, '--ssl-cert', certs.clientCert, '--ssl-key', certs.clientKey], driver));
      assert.equal(ok.code, 0, describeResult(ok));
      assert.equal(readOnlyRunFolder(root).run.state, 'completed', driver);
    }
    const refused = await runCli(runArgs(join(dir.path, 'x509-no-cert'), userArgs(x509User), ['--ssl-mode', 'VERIFY_CA', '--ssl-ca', certs.ca]));
    const line = assertFailsInOneLine(refused, /access denied/);
    t.diagnostic(line);
  });

  test('a server without TLS: PREFERRED falls back to plain text, REQUIRED is refused with a clear line', async (t) => {
    await server.stop();
    await server.start([]);
    try {
      const options: ConnectionOptions = { host: '127.0.0.1', port: server.port, user: 'root', password: '', database: DATABASE, ssl: { mode: 'PREFERRED' } };
      const control = await connectControl(options);
      assert.equal(await sessionCipher(control), '', 'PREFERRED connected without TLS');
      await control.end();
      for (const driver of DRIVERS) (await connectWorker({ ...options, driver })).destroy();
      const required = await runCli(runArgs(join(dir.path, 'no-tls'), server.connectionArgs(DATABASE), ['--ssl-mode', 'REQUIRED']));
      const line = assertFailsInOneLine(required, /TLS: the server does not offer TLS/);
      t.diagnostic(line);
    } finally {
      await server.stop();
      await server.start(tlsArgsFor(certs));
    }
  });
});
