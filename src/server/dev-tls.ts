/**
 * Development certificates: a CA and a serving certificate for localhost, 127.0.0.1 and ::1, so
 * that `npm start` serves HTTPS with no setup and never falls back to plain HTTP. ECDSA P-256
 * through WebCrypto (@peculiar/x509): the server's signature in a handshake costs about a tenth of
 * an RSA-2048 one (`openssl speed rsa2048 ecdsap256` on one core; docs/performance.md measures
 * whole new connections). Also used by tests to mint certificates for rotation.
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { TlsError } from '../errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

/** A CA able to sign serving certificates. */
export interface CertificateAuthority {
  readonly certPem: string;
  readonly keys: CryptoKeyPair;
  readonly cert: x509.X509Certificate;
}

/** A PEM certificate and PKCS#8 key. */
export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

/** Creates a self-signed CA (ECDSA P-256) valid for `days` days. */
export async function createCertificateAuthority(
  commonName = 'init-injector dev CA',
  days = 365,
): Promise<CertificateAuthority> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: EC,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keys, cert };
}

/** Issues a serving certificate for `hosts` (DNS names or IP addresses) signed by `ca`. */
export async function issueServingCertificate(
  ca: CertificateAuthority,
  hosts: readonly string[],
  options: { readonly days?: number; readonly commonName?: string } = {},
): Promise<PemPair> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const now = Date.now();
  const names = hosts.map((h) => ({ type: /^[\d.]+$|:/.test(h) ? ('ip' as const) : ('dns' as const), value: h }));
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.commonName ?? hosts[0] ?? 'localhost'}`,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: EC,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (options.days ?? 90) * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

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
