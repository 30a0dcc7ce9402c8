/** Writes an admin kubeconfig (client-certificate auth) for kubectl and @kubernetes/client-node. */
import { writeFile } from 'node:fs/promises';
import { dump } from 'js-yaml';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** Writes a kubeconfig for `server` with the CA and the admin client certificate embedded. */
export async function writeKubeconfig(
  file: string,
  server: string,
  caPem: string,
  client: { readonly certPem: string; readonly keyPem: string },
): Promise<void> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server, 'certificate-authority-data': b64(caPem) } }],
    users: [
      {
        name: 'e2e-admin',
        user: { 'client-certificate-data': b64(client.certPem), 'client-key-data': b64(client.keyPem) },
      },
    ],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'e2e-admin' } }],
    'current-context': 'e2e',
  };
  await writeFile(file, dump(config), { mode: 0o600 });
}
