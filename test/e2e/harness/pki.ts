/**
 * The PKI of one end-to-end control plane: a CA, the kube-apiserver's serving certificate, the admin
 * client certificate (group system:masters), the service-account signing key, and serving certificates
 * for webhooks on 127.0.0.1. Certificates come from the product's own maker (src/server/pki.ts):
 * ECDSA P-256 through WebCrypto, so no openssl process is needed.
 */
import { webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createCertificateAuthority,
  issueCertificate,
  type CertificateAuthority,
  type PemPair,
} from '../../../src/server/pki.js';

export type { CertificateAuthority };
/** A certificate and its private key, both PEM. */
export type CertAndKey = PemPair;

/** Every certificate of a run lives as long as one test run. */
const DAYS = 2;

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

/** The service-account signing key pair, as PEM: a key, not a certificate. */
async function serviceAccountKeys(): Promise<{ privatePem: string; publicPem: string }> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const pem = (der: ArrayBuffer, label: string): string =>
    `-----BEGIN ${label}-----\n${(
      Buffer.from(der)
        .toString('base64')
        .match(/.{1,64}/g) ?? []
    ).join('\n')}\n-----END ${label}-----\n`;
  return {
    privatePem: pem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
    publicPem: pem(await webcrypto.subtle.exportKey('spki', keys.publicKey), 'PUBLIC KEY'),
  };
}

/** Generates and writes the control plane's PKI into `dir`. */
export async function writeControlPlanePki(dir: string): Promise<ControlPlanePki> {
  const ca = await createCertificateAuthority('init-injector-e2e-ca', DAYS);
  const apiserver = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    usage: 'server',
    hosts: [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
      '127.0.0.1',
      '10.0.0.1',
    ],
    days: DAYS,
  });
  const admin = await issueCertificate(ca, {
    commonName: 'e2e-admin',
    organizations: ['system:masters'],
    usage: 'client',
    days: DAYS,
  });
  const sa = await serviceAccountKeys();
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
    writeFile(files.serviceAccountKeyFile, sa.privatePem, { mode: 0o600 }),
    writeFile(files.serviceAccountPublicKeyFile, sa.publicPem),
  ]);
  return { ca, admin, ...files };
}

/** Issues a webhook serving certificate for https://127.0.0.1 (IP SAN: the API server dials an IP). */
export function issueWebhookCert(ca: CertificateAuthority): Promise<CertAndKey> {
  return issueCertificate(ca, {
    commonName: 'init-injector-e2e-webhook',
    usage: 'server',
    hosts: ['localhost', '127.0.0.1'],
    days: DAYS,
  });
}
