/**
 * Self-signed serving certificates for 127.0.0.1/localhost, one per key type, made with the
 * openssl CLI: ECDSA P-256 (what our deploy's Certificate asks cert-manager for) and RSA-2048
 * (cert-manager's default key type), so the handshake cost of each can be measured.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The key types the bench measures. */
export type KeyType = 'ecdsa-p256' | 'rsa-2048';

/** PEM files of one certificate; it is its own CA. */
export interface CertFiles {
  readonly type: KeyType;
  readonly cert: string;
  readonly key: string;
}

/** Writes `<type>.crt` and `<type>.key` into dir. */
export function makeCert(dir: string, type: KeyType): CertFiles {
  const cert = join(dir, `${type}.crt`);
  const key = join(dir, `${type}.key`);
  const newkey =
    type === 'rsa-2048' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...newkey,
      '-nodes',
      '-sha256',
      '-days',
      '2',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,digitalSignature,keyCertSign',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { type, cert, key };
}
