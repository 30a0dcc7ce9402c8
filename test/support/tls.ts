/**
 * Test certificates made with Debian's openssl: a self-signed ECDSA P-256 serving certificate for
 * 127.0.0.1 and localhost, valid one day. Shared by the suites that start the real `serve`.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A self-signed serving certificate for 127.0.0.1 and localhost; returns the file paths. */
export function makeCert(dir: string, name = 'tls'): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}
