/**
 * The PKI of one end-to-end control plane: a CA, the kube-apiserver's serving certificate, the admin
 * client certificate (group system:masters), the service-account signing key, and serving certificates
 * for webhooks on 127.0.0.1. ECDSA P-256 through WebCrypto, so no openssl process is needed.
 */
import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs a Reflect metadata polyfill loaded first
import { webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

type Keys = webcrypto.CryptoKeyPair;
type Key = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const KEY_ALG: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN_ALG: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM. */
export interface CertAndKey {
  readonly certPem: string;
  readonly keyPem: string;
}

/** What a leaf certificate is for, and which names it carries. */
export interface LeafRequest {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usage: 'server' | 'client';
  /** Validity in days from now (default 2). */
  readonly days?: number;
}

/** A CA that can issue leaf certificates. */
export interface CertificateAuthority extends CertAndKey {
  issue(request: LeafRequest): Promise<CertAndKey>;
}

async function keyPem(key: Key): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function publicKeyPem(key: Key): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('spki', key), 'PUBLIC KEY');
}

async function newKeys(): Promise<Keys> {
  return webcrypto.subtle.generateKey(KEY_ALG, true, ['sign', 'verify']);
}

function subjectOf(commonName: string, organizations: readonly string[] = []): string {
  // RFC 4514 string; our names never contain characters that need escaping.
  return [`CN=${commonName}`, ...organizations.map((o) => `O=${o}`)].join(', ');
}

/** Creates a self-signed CA (valid 2 days: it lives as long as one test run). */
export async function createCa(commonName: string): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subjectOf(commonName),
    keys,
    signingAlgorithm: SIGN_ALG,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 2 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const caKeyPem = await keyPem(keys.privateKey);
  return {
    certPem: cert.toString('pem'),
    keyPem: caKeyPem,
    issue: async (request) => issueLeaf(cert, keys.privateKey, request),
  };
}

async function issueLeaf(ca: x509.X509Certificate, caKey: Key, request: LeafRequest): Promise<CertAndKey> {
  const keys = await newKeys();
  const now = Date.now();
  const names: x509.JsonGeneralName[] = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(
      [request.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
      false,
    ),
    await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    subject: subjectOf(request.commonName, request.organizations),
    issuer: ca.subject,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGN_ALG,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (request.days ?? 2) * DAY_MS),
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey) };
}

/** Paths of the control plane's PKI files, plus the CA for issuing more certificates. */
export interface ControlPlanePki {
  readonly ca: CertificateAuthority;
  readonly caFile: string;
  readonly apiserverCertFile: string;
  readonly apiserverKeyFile: string;
  readonly adminCertFile: string;
  readonly adminKeyFile: string;
  readonly admin: CertAndKey;
  /** PKCS#8 ECDSA key kube-apiserver signs service-account tokens with. */
  readonly serviceAccountKeyFile: string;
  /** Its public half (SPKI PEM), which kube-apiserver verifies tokens with. */
  readonly serviceAccountPublicKeyFile: string;
}

/** Generates and writes the control plane's PKI into `dir`. */
export async function writeControlPlanePki(dir: string): Promise<ControlPlanePki> {
  const ca = await createCa('init-injector-e2e-ca');
  const apiserver = await ca.issue({
    commonName: 'kube-apiserver',
    usage: 'server',
    dnsNames: [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
    ipAddresses: ['127.0.0.1', '10.0.0.1'],
  });
  const admin = await ca.issue({ commonName: 'e2e-admin', organizations: ['system:masters'], usage: 'client' });
  const saKeys = await newKeys();
  const files = {
    caFile: path.join(dir, 'ca.crt'),
    apiserverCertFile: path.join(dir, 'apiserver.crt'),
    apiserverKeyFile: path.join(dir, 'apiserver.key'),
    adminCertFile: path.join(dir, 'admin.crt'),
    adminKeyFile: path.join(dir, 'admin.key'),
    serviceAccountKeyFile: path.join(dir, 'sa.key'),
    serviceAccountPublicKeyFile: path.join(dir, 'sa.pub'),
  };
  await Promise.all([
    writeFile(files.caFile, ca.certPem),
    writeFile(files.apiserverCertFile, apiserver.certPem),
    writeFile(files.apiserverKeyFile, apiserver.keyPem, { mode: 0o600 }),
    writeFile(files.adminCertFile, admin.certPem),
    writeFile(files.adminKeyFile, admin.keyPem, { mode: 0o600 }),
    writeFile(files.serviceAccountKeyFile, await keyPem(saKeys.privateKey), { mode: 0o600 }),
    writeFile(files.serviceAccountPublicKeyFile, await publicKeyPem(saKeys.publicKey)),
  ]);
  return { ca, admin, ...files };
}

/** Issues a webhook serving certificate for https://127.0.0.1 (IP SAN: the API server dials an IP). */
export function issueWebhookCert(ca: CertificateAuthority): Promise<CertAndKey> {
  return ca.issue({
    commonName: 'init-injector-e2e-webhook',
    usage: 'server',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
}
