// A certificate authority made in the test with openssl (argv only): a root, an intermediate, and
// leaf certificates for chosen names and validity windows (an expired one included), as PEM text.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pem { cert: string; key: string }

export interface TestCa {
  root: Pem;
  intermediate: Pem;
  /** A leaf signed by the intermediate; `chain` is leaf + intermediate + root. */
  leaf(names: string[], o?: { start?: string; end?: string; signer?: 'root' | 'intermediate' }): Pem & { chain: string };
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/** openssl's `YYYYMMDDHHMMSSZ` for a date. */
export const opensslTime = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

export function makeTestCa(dir: string): TestCa {
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = ca_default',
    '[ca_default]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir/newcerts', 'serial = $dir/serial',
    'default_md = sha256', 'policy = any', 'unique_subject = no', 'default_days = 30',
    '[any]', 'commonName = supplied',
    '[intermediate]', 'basicConstraints = critical,CA:TRUE,pathlen:0', 'keyUsage = critical,keyCertSign,cRLSign',
  ].join('\n') + '\n');
  const key = (name: string) => {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
    return readFileSync(join(dir, `${name}.key`), 'utf8');
  };
  const rootKey = key('root');
  openssl(['req', '-x509', '-key', 'root.key', '-sha256', '-days', '3650', '-subj', '/CN=Berth Test Root', '-out', 'root.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const root = { cert: readFileSync(join(dir, 'root.crt'), 'utf8'), key: rootKey };
  const sign = (name: string, subject: string, signer: string, extensions: { file?: string; section: string }, start?: string, end?: string) => {
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
    openssl(['ca', '-batch', '-config', 'ca.cnf', '-notext', '-cert', `${signer}.crt`, '-keyfile', `${signer}.key`, '-in', `${name}.csr`, '-out', `${name}.crt`,
      '-extensions', extensions.section, ...(extensions.file ? ['-extfile', extensions.file] : []),
      ...(start ? ['-startdate', start] : []), ...(end ? ['-enddate', end] : [])], dir);
    return readFileSync(join(dir, `${name}.crt`), 'utf8');
  };
  const intermediateKey = key('intermediate');
  const intermediate = { cert: sign('intermediate', '/CN=Berth Test Intermediate', 'root', { file: join(dir, 'ca.cnf'), section: 'intermediate' }, opensslTime(new Date(Date.now() - 3_600_000))), key: intermediateKey };
  let n = 0;
  return {
    root, intermediate,
    leaf(names, o = {}) {
      const name = `leaf${++n}`;
      const leafKey = key(name);
      writeFileSync(join(dir, `${name}.ext`), `[leaf]\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\nsubjectAltName = ${names.map((h) => `DNS:${h}`).join(',')}\n`);
      const signer = o.signer ?? 'intermediate';
      // Valid from an hour ago by default: a check at "now" must not meet a certificate from the future.
      const cert = sign(name, `/CN=${names[0]}`, signer, { file: join(dir, `${name}.ext`), section: 'leaf' }, o.start ?? opensslTime(new Date(Date.now() - 3_600_000)), o.end);
      const chain = signer === 'root' ? cert + root.cert : cert + intermediate.cert + root.cert;
      return { cert, key: leafKey, chain };
    },
  };
}
