/**
 * A second, independent mutating webhook, as another platform component (a service mesh, a secrets
 * agent) would run beside ours: it puts its own init container first, once. It answers over real
 * TLS on 127.0.0.1 with a certificate from the control plane's CA.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CertificateAuthority } from '../harness/index.js';
import { issueWebhookCert } from '../harness/index.js';

/** Name of the init container the other webhook adds. */
export const OTHER_INIT = 'other-init';

/** The running other webhook. */
export interface OtherWebhook {
  readonly url: string;
  /** Admission requests received so far. */
  readonly calls: () => number;
  close(): Promise<void>;
}

interface Review {
  request?: { uid?: string; object?: { spec?: { initContainers?: { name: string }[] } } };
}

const container = {
  name: OTHER_INIT,
  image: 'busybox:1.37.0',
  command: ['true'],
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 65532,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  resources: { requests: { cpu: '5m', memory: '8Mi' }, limits: { cpu: '20m', memory: '16Mi' } },
};

function answer(review: Review): object {
  const inits = review.request?.object?.spec?.initContainers;
  const patch =
    inits?.some((c) => c.name === OTHER_INIT) === true
      ? []
      : inits === undefined
        ? [{ op: 'add', path: '/spec/initContainers', value: [container] }]
        : [{ op: 'add', path: '/spec/initContainers/0', value: container }];
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid: review.request?.uid ?? '',
      allowed: true,
      ...(patch.length > 0
        ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }
        : {}),
    },
  };
}

/** Starts the other webhook on a free loopback port. */
export async function startOtherWebhook(ca: CertificateAuthority): Promise<OtherWebhook> {
  const tls = await issueWebhookCert(ca);
  let calls = 0;
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      calls += 1;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(answer(JSON.parse(body) as Review)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${String(port)}/mutate`,
    calls: () => calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
