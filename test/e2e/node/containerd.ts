/**
 * containerd (Debian's 1.6, with runc) for the real node, configured for a closed machine: its own
 * root, state and socket under the run's work dir; a sandbox image imported beforehand; every image
 * pull sent to a dead loopback proxy so nothing can ever leave the machine; and the two settings
 * these machines need (see docs/e2e.md): restrict_oom_score_adj (root lacks CAP_SYS_RESOURCE here)
 * and enable_unprivileged_icmp (the pod network namespace's net.ipv4.ping_group_range).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GiveUp, waitFor } from '../harness/net.js';
import { startChild, type Child } from '../harness/proc.js';
import { PAUSE_IMAGE } from './images.js';
import { CNI_BIN_DIR } from './support.js';

export interface Containerd {
  readonly child: Child;
  readonly socket: string;
  /** Runs `ctr` against this containerd in the k8s.io namespace. */
  ctr(args: readonly string[]): { code: number; stdout: string; stderr: string };
}

/**
 * The CNI network of the node's pods: a bridge with no gateway, no masquerade and no routes.
 * Addresses come from `subnet` up to `rangeEnd` only, so the ones above it are never anyone's, and
 * host-local keeps its allocations in `ipamDir` (the suite's), not in /var/lib/cni: each run starts
 * from the first address instead of where the previous run stopped.
 */
export function writeCniConfig(dir: string, bridge: string, subnet: string, rangeEnd: string, ipamDir: string): void {
  mkdirSync(dir, { recursive: true });
  const conf = {
    cniVersion: '1.0.0',
    name: 'e2e-pods',
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: false,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet, rangeEnd }]], routes: [], dataDir: ipamDir },
      },
    ],
  };
  writeFileSync(path.join(dir, '10-e2e-pods.conflist'), JSON.stringify(conf, null, 2));
}

export async function startContainerd(dir: string, logs: string, cniConfDir: string): Promise<Containerd> {
  mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'containerd.sock');
  const config = path.join(dir, 'containerd.toml');
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  writeFileSync(
    config,
    [
      'version = 2',
      `root = ${JSON.stringify(path.join(dir, 'root'))}`,
      `state = ${JSON.stringify(path.join(dir, 'state'))}`,
      'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]',
      '[grpc]',
      `  address = ${JSON.stringify(socket)}`,
      '[ttrpc]',
      `  address = ${JSON.stringify(`${socket}.ttrpc`)}`,
      '[metrics]',
      '  address = ""',
      `[${cri}]`,
      `  sandbox_image = ${JSON.stringify(PAUSE_IMAGE)}`,
      '  restrict_oom_score_adj = true',
      '  enable_unprivileged_icmp = true',
      '  enable_unprivileged_ports = true',
      '  netns_mounts_under_state_dir = true', // pod network namespaces live in the work dir too
      `[${cri}.containerd]`,
      '  snapshotter = "overlayfs"',
      '  default_runtime_name = "runc"',
      `[${cri}.containerd.runtimes.runc]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `[${cri}.containerd.runtimes.runc.options]`,
      '  SystemdCgroup = false',
      `[${cri}.cni]`,
      `  bin_dir = ${JSON.stringify(CNI_BIN_DIR)}`,
      `  conf_dir = ${JSON.stringify(cniConfDir)}`,
      '  max_conf_num = 1',
      '',
    ].join('\n'),
  );
  // A pull would resolve a registry's name through the host's resolver: send every request to a
  // loopback port where nothing listens instead, so a missing image fails at once and locally.
  const env = { ...process.env, HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '' };
  const child = startChild('containerd', 'containerd', ['--config', config], path.join(logs, 'containerd.log'), env);
  const ctr = (args: readonly string[]): { code: number; stdout: string; stderr: string } => {
    const out = spawnSync('ctr', ['--address', socket, '--namespace', 'k8s.io', ...args], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: out.status ?? -1, stdout: out.stdout, stderr: out.stderr };
  };
  let exited: number | string | undefined;
  void child.exited.then((code) => (exited = code));
  await waitFor(
    'containerd to serve its socket',
    () => {
      if (exited !== undefined) throw new GiveUp(`containerd exited (${String(exited)}):\n${child.tail()}`);
      return Promise.resolve(ctr(['version']).code === 0 ? true : undefined);
    },
    30_000,
    250,
  );
  return { child, socket, ctr };
}
