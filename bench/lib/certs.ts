/**
 * Self-signed serving certificates for 127.0.0.1/localhost, one per key type, from the product's
 * own maker (src/server/pki.ts): ECDSA P-256 (what our deploy's Certificate asks cert-manager for)
 * and RSA-2048 (cert-manager's default key type), so the handshake cost of each can be measured.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selfSignedServingCertificate, type KeyType } from '../../src/server/pki.js';

export type { KeyType };

/** PEM files of one certificate; it is its own CA. */
export interface CertFiles {
  readonly type: KeyType;
  readonly cert: string;
  readonly key: string;
}

/** Writes `<type>.crt` and `<type>.key` into dir. */
export async function makeCert(dir: string, type: KeyType): Promise<CertFiles> {
  const cert = join(dir, `${type}.crt`);
  const key = join(dir, `${type}.key`);
  const pair = await selfSignedServingCertificate(['localhost', '127.0.0.1'], { days: 2, keyType: type });
  writeFileSync(key, pair.keyPem, { mode: 0o600 });
  writeFileSync(cert, pair.certPem);
  return { type, cert, key };
}
