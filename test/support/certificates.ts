/**
 * Throw-away TLS material for the fault tests' private server, made with openssl: a CA, a server
 * certificate for 127.0.0.1/localhost signed by it, a client certificate, and an unrelated CA.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
}

/** Why certificates cannot be made here (tests skip with this message), or false when they can. */
export function opensslSkipReason(): string | false {
  return spawnSync('openssl', ['version']).status === 0 ? false : 'openssl not found: cannot make the test certificates';
}

function openssl(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
}

export function makeCertificates(folder: string): TestCertificates {
  writeFileSync(join(folder, 'server.ext'), 'subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\n');
  writeFileSync(join(folder, 'client.ext'), 'basicConstraints = CA:FALSE\n');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=innobench test CA'], folder);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca-key.pem', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=some other CA'], folder);
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['client', 'innobench client'],
  ] as const) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], folder);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], folder);
  }
  const at = (name: string): string => join(folder, name);
  return { ca: at('ca.pem'), serverCert: at('server.pem'), serverKey: at('server-key.pem'), clientCert: at('client.pem'), clientKey: at('client-key.pem'), otherCa: at('other-ca.pem') };
}

/** mariadbd options that make it offer TLS with these certificates. */
export function tlsServerArgs(certs: TestCertificates): string[] {
  return [`--ssl-ca=${certs.ca}`, `--ssl-cert=${certs.serverCert}`, `--ssl-key=${certs.serverKey}`];
}
