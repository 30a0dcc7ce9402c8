/**
 * The bare floor server (bench/servers/floor.ts) as a webhook of the e2e control plane: a serving
 * certificate from the control plane's CA for 127.0.0.1 (as our webhook gets from the harness), on a
 * free loopback port, in its own process group that the harness kills at exit like its own children.
 * Not pinned, like our webhook in that section: both compete with the control plane alike.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ControlPlane } from '../../test/e2e/harness/controlplane.js';
import { freePort, GiveUp, httpsGet, waitFor } from '../../test/e2e/harness/net.js';
import { issueWebhookCert } from '../../test/e2e/harness/pki.js';
import { startChild, stopChild } from '../../test/e2e/harness/proc.js';
import { ROOT } from './servers.js';

/** A running floor webhook. */
export interface FloorWebhook {
  /** https://127.0.0.1:PORT/mutate: what its MutatingWebhookConfiguration points at. */
  readonly url: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts the floor with `patch`: 'none' answers `allowed: true` without a patch; an array is answered
 * as the fixed JSONPatch for every review. Files go in `<cp.dir>/webhooks/<name>/`.
 */
export async function startFloorWebhook(
  cp: ControlPlane,
  name: string,
  patch: 'none' | readonly unknown[],
): Promise<FloorWebhook> {
  const home = path.join(cp.dir, 'webhooks', name);
  mkdirSync(home, { recursive: true });
  const cert = await issueWebhookCert(cp.pki.ca);
  const certFile = path.join(home, 'tls.crt');
  const keyFile = path.join(home, 'tls.key');
  writeFileSync(certFile, cert.certPem);
  writeFileSync(keyFile, cert.keyPem, { mode: 0o600 });
  let mode = 'none';
  if (patch !== 'none') {
    const patchFile = path.join(home, 'patch.json');
    writeFileSync(patchFile, JSON.stringify(patch));
    mode = `file:${patchFile}`;
  }
  const port = await freePort();
  const child = startChild(
    `floor webhook ${name}`,
    process.execPath,
    ['--disable-warning=ExperimentalWarning', path.join(ROOT, 'bench', 'servers', 'floor.ts')],
    path.join(home, 'floor.log'),
    {
      ...process.env,
      FLOOR_PORT: String(port),
      FLOOR_CERT: certFile,
      FLOOR_KEY: keyFile,
      FLOOR_PATCH: mode,
      FLOOR_LOG_MS: '1',
    },
  );
  let exit: number | string | undefined;
  void child.exited.then((code) => (exit = code));
  const url = `https://127.0.0.1:${String(port)}/mutate`;
  // A GET has no review in its body: the floor answers 400, which proves TLS and the listener are up.
  await waitFor(
    `floor webhook ${name} on ${url}`,
    async () => {
      if (exit !== undefined) throw new GiveUp(`floor exited (${String(exit)}); ${child.logFile}:\n${child.tail()}`);
      const res = await httpsGet(url, { ca: cp.pki.ca.certPem });
      return res.status > 0 ? true : undefined;
    },
    30_000,
    100,
  );
  return { url, logFile: child.logFile, stop: () => stopChild(child) };
}
