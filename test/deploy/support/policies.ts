// The shipped policies (policies/*.yaml) are copied into the kustomize base and the Helm chart,
// because neither tool may read files outside its own directory. These helpers compute what the
// copies must be and, on request, write them (UPDATE_DEPLOY=1), like the golden files.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './render.js';

const SOURCE = join(ROOT, 'policies');
/** Directories that hold a copy of policies/*.yaml. */
export const POLICY_COPIES = [
  join('deploy', 'kustomize', 'base', 'policies'),
  join('deploy', 'helm', 'init-injector', 'policies'),
];
const KUSTOMIZATION = join(ROOT, 'deploy', 'kustomize', 'base', 'kustomization.yaml');
const FILES_BLOCK = /( {4}files:)(?: \[\]\n|\n(?: {6}- .*\n)*)/;
/** The base's copy as InjectionPolicy objects (for components/crd-source): its resources list. */
const OBJECTS_KUSTOMIZATION = join(ROOT, 'deploy', 'kustomize', 'base', 'policies', 'kustomization.yaml');
const RESOURCES_BLOCK = /(resources:)(?: \[\]\n|\n(?: {2}- .*\n)*)/;

function policyFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && e.name !== 'kustomization.yaml')
    .map((e) => e.name)
    .sort();
}

function expectedKustomization(): string {
  const text = readFileSync(KUSTOMIZATION, 'utf8');
  if (!FILES_BLOCK.test(text)) throw new Error(`${KUSTOMIZATION}: no configMapGenerator "files:" block found`);
  const names = policyFiles(SOURCE);
  const block = names.length === 0 ? '$1 []\n' : `$1\n${names.map((n) => `      - policies/${n}\n`).join('')}`;
  return text.replace(FILES_BLOCK, block);
}

function expectedObjectsKustomization(): string {
  const text = readFileSync(OBJECTS_KUSTOMIZATION, 'utf8');
  if (!RESOURCES_BLOCK.test(text)) throw new Error(`${OBJECTS_KUSTOMIZATION}: no "resources:" block found`);
  const names = policyFiles(SOURCE);
  return text.replace(
    RESOURCES_BLOCK,
    names.length === 0 ? '$1 []\n' : `$1\n${names.map((n) => `  - ${n}\n`).join('')}`,
  );
}

/** Paths (relative to the repository root) whose content differs from what policies/ implies. */
export function stalePolicyCopies(): string[] {
  const stale: string[] = [];
  const names = policyFiles(SOURCE);
  for (const copy of POLICY_COPIES) {
    const have = policyFiles(join(ROOT, copy));
    for (const n of new Set([...names, ...have])) {
      const want = names.includes(n) ? readFileSync(join(SOURCE, n), 'utf8') : undefined;
      const got = have.includes(n) ? readFileSync(join(ROOT, copy, n), 'utf8') : undefined;
      if (want !== got) stale.push(join(copy, n));
    }
  }
  if (expectedKustomization() !== readFileSync(KUSTOMIZATION, 'utf8'))
    stale.push('deploy/kustomize/base/kustomization.yaml');
  if (expectedObjectsKustomization() !== readFileSync(OBJECTS_KUSTOMIZATION, 'utf8'))
    stale.push('deploy/kustomize/base/policies/kustomization.yaml');
  return stale;
}

/** Rewrites every copy (and the kustomize file list) from policies/. */
export function syncPolicyCopies(): void {
  const names = policyFiles(SOURCE);
  for (const copy of POLICY_COPIES) {
    const dir = join(ROOT, copy);
    mkdirSync(dir, { recursive: true });
    for (const n of policyFiles(dir)) if (!names.includes(n)) rmSync(join(dir, n));
    for (const n of names) writeFileSync(join(dir, n), readFileSync(join(SOURCE, n)));
  }
  writeFileSync(KUSTOMIZATION, expectedKustomization());
  writeFileSync(OBJECTS_KUSTOMIZATION, expectedObjectsKustomization());
}

/** The repository's policy file names, sorted. */
export function shippedPolicyNames(): string[] {
  return policyFiles(SOURCE);
}

// `npx tsx test/deploy/support/policies.ts` rewrites the copies after a change to policies/.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  syncPolicyCopies();
  process.stdout.write(`updated ${POLICY_COPIES.join(', ')} and their kustomization.yaml files\n`);
}
