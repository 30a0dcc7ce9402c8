/**
 * Development certificates: a CA and a serving certificate for localhost, 127.0.0.1 and ::1, so
 * that `npm start` serves HTTPS with no setup and never falls back to plain HTTP. Made by pki.ts.
 */
import { X509Certificate as NodeX509 } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TlsError } from '../errors.js';
import { createCertificateAuthority, issueServingCertificate } from './pki.js';

const DAY_MS = 86_400_000;

/** Paths of the development certificate files. */
export interface DevTlsFiles {
  readonly dir: string;
  readonly caPath: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** True when new files were written (false: existing ones reused). */
  readonly created: boolean;
}

/** Writes a file atomically with mode 0600 for keys (rename over the old one). */
function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

/** True when `certPath` holds a certificate valid for at least 7 more days. */
function stillValid(certPath: string): boolean {
  try {
    const cert = new NodeX509(readFileSync(certPath));
    return Date.parse(cert.validTo) - Date.now() > 7 * DAY_MS;
  } catch {
    return false;
  }
}

/**
 * Reuses the development CA and certificate in `dir` when they are still valid (so a CA already
 * given to curl keeps working across restarts); otherwise creates them: ca.crt, tls.crt, tls.key.
 */
export async function ensureDevCertificate(dir: string): Promise<DevTlsFiles> {
  const files = { dir, caPath: join(dir, 'ca.crt'), certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key') };
  if (existsSync(files.caPath) && existsSync(files.keyPath) && stillValid(files.certPath)) {
    return { ...files, created: false };
  }
  const ca = await createCertificateAuthority();
  const pair = await issueServingCertificate(ca, ['localhost', '127.0.0.1', '::1']);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomic(files.caPath, ca.certPem, 0o644);
    writeAtomic(files.keyPath, pair.keyPem, 0o600);
    writeAtomic(files.certPath, pair.certPem, 0o644);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new TlsError(
      `--dev-tls-dir ${dir}: cannot write the development certificate there (${why}); pass a directory you can write, or --tls-cert and --tls-key`,
      { cause: e },
    );
  }
  return { ...files, created: true };
}
