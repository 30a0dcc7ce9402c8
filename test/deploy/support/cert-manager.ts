// cert-manager's CRDs for the end-to-end dry-run, from the published Go module (the module zip ships
// deploy/crds/*.yaml, plain controller-gen output). `go mod download` uses the module proxy and the
// checksum database, and caches the module like any other Go dependency.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The cert-manager release whose CRDs the manifests are validated against (CERT_MANAGER_VERSION overrides). */
export const CERT_MANAGER_VERSION = process.env['CERT_MANAGER_VERSION'] ?? 'v1.21.2';

/** Absolute paths of cert-manager's CRD files, sorted; downloads the module on first use. */
export function certManagerCrdFiles(version = CERT_MANAGER_VERSION): string[] {
  let out: string;
  try {
    out = execFileSync('go', ['mod', 'download', '-json', `github.com/cert-manager/cert-manager@${version}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      // Outside any module: the repository's own go.mod files must not be consulted.
      cwd: '/',
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    });
  } catch (e) {
    throw new Error(`go mod download github.com/cert-manager/cert-manager@${version} failed: ${String(e)}`, {
      cause: e,
    });
  }
  const { Dir } = JSON.parse(out) as { Dir?: string };
  if (Dir === undefined) throw new Error(`go mod download printed no Dir for cert-manager ${version}: ${out}`);
  const crds = join(Dir, 'deploy', 'crds');
  return readdirSync(crds)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(crds, f));
}
