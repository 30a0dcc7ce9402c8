/**
 * Policy sets of 1, 10, 100 and 1000 InjectionPolicies in which only a few match the bench pod,
 * as on a real platform: most policies belong to other teams and select other namespaces by name or
 * glob, or other pods by podSelector. Written as YAML files so the loader's real path reads them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { BENCH_NAMESPACE, BENCH_NAMESPACE_LABELS } from './pod.js';

type Doc = Record<string, unknown>;

const restricted = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  runAsUser: 65532,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
const smallResources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } };

function policy(name: string, spec: Doc): Doc {
  return { apiVersion: 'init-injector.io/v1alpha1', kind: 'InjectionPolicy', metadata: { name }, spec };
}

/** The policies that apply to the bench pod: by namespace name+glob, by namespaceSelector, by podSelector+CEL. */
function matching(): Doc[] {
  return [
    policy('network-check', {
      description: 'Block start-up until the pod can reach its target.',
      priority: 10,
      match: { namespaces: [BENCH_NAMESPACE, 'prod-*'] },
      parameters: [{ name: 'target', default: '1.1.1.1', pattern: '^[A-Za-z0-9.:-]{1,253}$' }],
      initContainers: [
        {
          name: 'network-check',
          image: 'registry.example.com/platform/network-check:1.4.2',
          args: ['--target={{ params.target }}', '--timeout=30s'],
          env: [{ name: 'POD', value: '{{ pod.namespace }}/{{ pod.generateName }}' }],
          resources: smallResources,
          securityContext: restricted,
        },
      ],
    }),
    policy('cert-fetcher', {
      description: 'Fetch the workload certificate before the app starts.',
      priority: 20,
      match: { namespaceSelector: { matchLabels: { tier: BENCH_NAMESPACE_LABELS['tier']! } } },
      initContainers: [
        {
          name: 'cert-fetcher',
          image: 'registry.example.com/platform/cert-fetcher:2.0.1',
          args: ['--identity={{ pod.serviceAccountName }}', '--out=/var/run/certs'],
          volumeMounts: [{ name: 'workload-certs', mountPath: '/var/run/certs' }],
          resources: smallResources,
          securityContext: restricted,
        },
      ],
      volumes: [{ name: 'workload-certs', emptyDir: { medium: 'Memory' } }],
      volumeMounts: {
        containers: ['*'],
        mounts: [{ name: 'workload-certs', mountPath: '/var/run/certs', readOnly: true }],
      },
    }),
    policy('wait-for-deps', {
      description: 'Wait for the declared dependencies.',
      priority: 200,
      placement: 'Append',
      match: {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['bench-app', 'checkout'] }] },
        conditions: [
          { name: 'not-host-network', expression: '!has(object.spec.hostNetwork) || !object.spec.hostNetwork' },
        ],
      },
      initContainers: [
        {
          name: 'wait-for-deps',
          image: 'registry.example.com/platform/wait-for:0.9.0',
          args: ['--deps=db:5432,cache:6379'],
          resources: smallResources,
          securityContext: restricted,
        },
      ],
    }),
  ];
}

/** A policy of another team: never matches the bench pod, in one of four realistic shapes. */
function other(i: number): Doc {
  const shape = i % 10;
  const match: Doc =
    shape < 4
      ? { namespaces: [`team-${i}`, `team-${i}-staging`] }
      : shape < 8
        ? { namespaces: [`team-${i}-*`] }
        : shape === 8
          ? { podSelector: { matchLabels: { app: `svc-${i}` } } }
          : { namespaces: [`ns-${i}`], podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } };
  return policy(`team-${i}-init`, {
    description: `Init container of team ${i}.`,
    priority: 100 + (i % 50),
    match,
    parameters: [{ name: 'level', default: 'info', pattern: '^(debug|info|warn)$' }],
    initContainers: [
      {
        name: `team-${i}-init`,
        image: `registry.example.com/team-${i}/init:1.0.${i}`,
        args: ['--log-level={{ params.level }}'],
        resources: smallResources,
        securityContext: restricted,
      },
    ],
  });
}

/** The documents of a set of `size` policies: min(size, 3) matching, the rest other teams'. */
export function policyDocs(size: number): Doc[] {
  const docs = matching().slice(0, Math.min(size, 3));
  for (let i = 0; docs.length < size; i++) docs.push(other(i));
  return docs;
}

/** How many policies of a set of `size` apply to the bench pod. */
export function matchingCount(size: number): number {
  return Math.min(size, 3);
}

/** Writes the set into `dir` (platform.yaml plus teams-NN.yaml of 50 documents each) and returns `dir`. */
export function writePolicySet(dir: string, size: number): string {
  mkdirSync(dir, { recursive: true });
  const docs = policyDocs(size);
  const chunks: Doc[][] = [docs.slice(0, Math.min(size, 3))];
  for (let i = 3; i < docs.length; i += 50) chunks.push(docs.slice(i, i + 50));
  chunks.forEach((chunk, n) => {
    const file = n === 0 ? 'platform.yaml' : `teams-${String(n).padStart(2, '0')}.yaml`;
    writeFileSync(join(dir, file), chunk.map((d) => dump(d)).join('---\n'));
  });
  return dir;
}

/** The --namespace-labels file: the bench namespace's labels (YAML map name -> labels). */
export function writeNamespaceLabels(file: string): string {
  writeFileSync(file, dump({ [BENCH_NAMESPACE]: BENCH_NAMESPACE_LABELS }));
  return file;
}
