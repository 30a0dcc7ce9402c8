/**
 * The one certificate maker: CAs, serving and client certificates, and self-signed serving
 * certificates, through WebCrypto and @peculiar/x509 (no openssl process). `serve` uses it for its
 * development certificate; the tests, the end-to-end control plane and the benchmark use it too,
 * so there is one way certificates are made here. ECDSA P-256 by default: the server's signature
 * in a handshake costs about a tenth of an RSA-2048 one (`openssl speed rsa2048 ecdsap256`);
 * RSA-2048 (cert-manager's default key type) is there for the benchmark to compare.
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

/** The key types certificates are made with. */
export type KeyType = 'ecdsa-p256' | 'rsa-2048';

const ALGORITHMS: Readonly<Record<KeyType, webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams>> = {
  'ecdsa-p256': { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
  'rsa-2048': {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
};
const DAY_MS = 86_400_000;

/** A PEM certificate and its PKCS#8 private key. */
export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A CA able to sign certificates. */
export interface CertificateAuthority extends PemPair {
  readonly keys: CryptoKeyPair;
  readonly cert: x509.X509Certificate;
  readonly keyType: KeyType;
}

/** What a certificate is for, and the names it carries. */
export interface CertificateRequest {
  readonly commonName?: string;
  /** Subject organizations (a Kubernetes client certificate's groups). */
  readonly organizations?: readonly string[];
  /** DNS names and IP addresses for the subjectAltName (an IP is told apart by its form). */
  readonly hosts?: readonly string[];
  readonly usage?: 'server' | 'client';
  /** Validity in days from now. */
  readonly days?: number;
}

/** PEM text ending in a newline, as openssl writes it, so that two files can be concatenated into a bundle. */
const lined = (pem: string): string => (pem.endsWith('\n') ? pem : `${pem}\n`);

async function keyPem(key: CryptoKey): Promise<string> {
  return lined(x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY'));
}

function newKeys(type: KeyType): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHMS[type], true, ['sign', 'verify']);
}

function subject(commonName: string, organizations: readonly string[] = []): string {
  // An RFC 4514 string; the names used here never contain characters that need escaping.
  return [`CN=${commonName}`, ...organizations.map((o) => `O=${o}`)].join(', ');
}

const validity = (days: number): { notBefore: Date; notAfter: Date } => {
  const now = Date.now();
  return { notBefore: new Date(now - 60_000), notAfter: new Date(now + days * DAY_MS) };
};

function altNames(hosts: readonly string[]): x509.SubjectAlternativeNameExtension {
  const names = hosts.map((h) => ({ type: /^[\d.]+$|:/.test(h) ? ('ip' as const) : ('dns' as const), value: h }));
  return new x509.SubjectAlternativeNameExtension(names);
}

/** Creates a self-signed CA valid for `days` days. */
export async function createCertificateAuthority(
  commonName = 'init-injector dev CA',
  days = 365,
  keyType: KeyType = 'ecdsa-p256',
): Promise<CertificateAuthority> {
  const keys = await newKeys(keyType);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject(commonName),
    keys,
    signingAlgorithm: ALGORITHMS[keyType],
    ...validity(days),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: lined(cert.toString('pem')), keyPem: await keyPem(keys.privateKey), keys, cert, keyType };
}

/** Issues a certificate signed by `ca` (a serving certificate unless `usage: 'client'`). */
export async function issueCertificate(ca: CertificateAuthority, request: CertificateRequest): Promise<PemPair> {
  const keys = await newKeys(ca.keyType);
  const hosts = request.hosts ?? [];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([
      request.usage === 'client' ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth,
    ]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (hosts.length > 0) extensions.push(altNames(hosts));
  const cert = await x509.X509CertificateGenerator.create({
    subject: subject(request.commonName ?? hosts[0] ?? 'localhost', request.organizations),
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALGORITHMS[ca.keyType],
    ...validity(request.days ?? 90),
    extensions,
  });
  return { certPem: lined(cert.toString('pem')), keyPem: await keyPem(keys.privateKey) };
}

/** Issues a serving certificate for `hosts` (DNS names or IP addresses) signed by `ca`. */
export function issueServingCertificate(
  ca: CertificateAuthority,
  hosts: readonly string[],
  options: { readonly days?: number; readonly commonName?: string } = {},
): Promise<PemPair> {
  return issueCertificate(ca, { hosts, usage: 'server', ...options });
}

/**
 * A self-signed serving certificate for `hosts` that is its own CA: a client trusts the
 * certificate itself. For tests and the benchmark, where one file is both the server's
 * certificate and the client's trust anchor.
 */
export async function selfSignedServingCertificate(
  hosts: readonly string[],
  options: { readonly days?: number; readonly keyType?: KeyType } = {},
): Promise<PemPair> {
  const keyType = options.keyType ?? 'ecdsa-p256';
  const keys = await newKeys(keyType);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject(hosts[0] ?? 'localhost'),
    keys,
    signingAlgorithm: ALGORITHMS[keyType],
    ...validity(options.days ?? 2),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      altNames(hosts),
      // Key identifiers, as openssl writes them: a client trusting two such certificates with the
      // same subject (before and after a rotation) finds the right one by key, not by name.
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: lined(cert.toString('pem')), keyPem: await keyPem(keys.privateKey) };
}
