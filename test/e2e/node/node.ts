/**
 * One real node beside the control plane: containerd + runc (Debian), the kubelet and kube-scheduler
 * built from the same Kubernetes module as the API server. The node is tainted NODE_TAINT, so only
 * pods that tolerate it (the node scenarios') are ever scheduled there: the other suites' pods, with
 * images nobody imported, stay Pending as before.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { V1Node } from '@kubernetes/client-node';
import type { ControlPlane } from '../harness/controlplane.js';
import { freePort, GiveUp, waitFor } from '../harness/net.js';
import { registerExitCleanup, startChild, stopChild, type Child } from '../harness/proc.js';
import { startContainerd, writeCniConfig, type Containerd } from './containerd.js';
import { leftovers, listNetns, remaining, removeLeftovers, type HostFootprint } from './host.js';
import { writeImageLayout } from './images.js';
import { ensureStandin } from './standins.js';

export const NODE_NAME = 'e2e-node';
/** Taint of the node; node scenario pods tolerate it. */
export const NODE_TAINT = 'e2e.init-injector.io/node';
/** The pods' CNI subnet: a bridge with no gateway and no routes, so pods reach only this subnet. */
export const POD_SUBNET = '10.213.7.0/24';
/** The last address pods get; those above it (up to .254) are held by nobody, for unreachable targets. */
export const POD_RANGE_END = '10.213.7.250';
/**
 * The node's address: the bridge's own, on the host. The kubelet may not use a loopback address as
 * its node IP; this one is the suite's, and pods of the bridge reach the host's test servers on it.
 */
export const NODE_IP = '10.213.7.1';

export interface Node {
  readonly name: string;
  /** The node's address (NODE_IP): where pods of the bridge reach the tests' servers. */
  readonly ip: string;
  readonly dir: string;
  readonly containerd: Containerd;
  /** Milliseconds from the first spawn to a Ready node. */
  readonly startMs: number;
  /** Deletes the node's pods, stops every process, and throws if anything is left on the host. */
  stop(): Promise<void>;
}

function kubeletConfig(o: {
  port: number;
  healthzPort: number;
  caFile: string;
  socket: string;
  cgroup: string;
  dir: string;
}): string {
  return JSON.stringify(
    {
      kind: 'KubeletConfiguration',
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      address: NODE_IP,
      port: o.port,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: o.healthzPort,
      authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: o.caFile } },
      authorization: { mode: 'AlwaysAllow' },
      containerRuntimeEndpoint: `unix://${o.socket}`,
      // cgroup v1 is what these machines mount; kubelet 1.37 refuses it unless told otherwise.
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      cgroupRoot: o.cgroup,
      resolvConf: '', // pods get an empty resolv.conf: no DNS query leaves the machine
      enforceNodeAllocatable: [],
      evictionHard: {},
      failSwapOn: false,
      localStorageCapacityIsolation: false,
      imageGCHighThresholdPercent: 100, // never delete the imported stand-ins
      imageGCLowThresholdPercent: 99,
      registerWithTaints: [{ key: NODE_TAINT, value: 'true', effect: 'NoSchedule' }],
      podLogsDir: path.join(o.dir, 'pod-logs'),
      volumePluginDir: path.join(o.dir, 'volume-plugins'),
      maxPods: 40,
      syncFrequency: '10s',
    },
    null,
    2,
  );
}

function makeCgroupRoot(cgroup: string): void {
  for (const hierarchy of ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'systemd']) {
    const base = path.join('/sys/fs/cgroup', hierarchy);
    try {
      mkdirSync(path.join(base, cgroup), { recursive: true });
    } catch {
      continue; // hierarchy not mounted here
    }
    if (hierarchy === 'cpuset') {
      // A new cpuset cgroup starts with no CPUs and no memory nodes: give it the parent's.
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        writeFileSync(path.join(base, cgroup, file), readFileSync(path.join(base, file)));
      }
    }
  }
}

/** The pods' bridge, made before the CNI plugin sees it so it carries NODE_IP. */
function makeBridge(bridge: string): void {
  const holder = spawnSync('ip', ['-o', '-4', 'addr', 'show', 'to', NODE_IP], { encoding: 'utf8' }).stdout.trim();
  if (holder !== '') {
    throw new Error(
      `${NODE_IP} is already on this machine (${holder.split(/\s+/)[1] ?? '?'}): another end-to-end run's node? One node per machine at a time`,
    );
  }
  for (const args of [
    ['link', 'add', bridge, 'type', 'bridge'],
    ['addr', 'add', `${NODE_IP}/24`, 'dev', bridge],
    ['link', 'set', bridge, 'up'],
  ]) {
    const out = spawnSync('ip', args, { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`ip ${args.join(' ')}: ${out.stderr.trim()}`);
  }
}

function nodeReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** Starts containerd, imports the stand-in images, starts the kubelet and the scheduler; waits for Ready. */
export async function startNode(cp: ControlPlane, log: (line: string) => void = console.log): Promise<Node> {
  const started = Date.now();
  const dir = path.join(cp.dir, 'node');
  const logs = path.join(cp.dir, 'logs');
  mkdirSync(dir, { recursive: true });
  const footprint: HostFootprint = {
    dir,
    bridge: `e2ebr${String(process.pid % 100000)}`,
    cgroup: `/init-injector-e2e-${String(process.pid)}`,
    netnsBefore: new Set(listNetns()),
  };
  const children: Child[] = [];
  let containerd: Containerd | undefined;
  const teardown = async (): Promise<string[]> => {
    for (const child of children.slice(1).reverse()) await stopChild(child, 10_000); // kubelet (scheduler first)
    if (containerd !== undefined) {
      // What the kubelet left (stopped sandboxes, dead containers): as `crictl rmp -a` would.
      for (const id of containerd.ctr(['tasks', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
        containerd.ctr(['tasks', 'kill', '-s', 'SIGKILL', id]);
        containerd.ctr(['tasks', 'delete', '-f', id]);
      }
      for (const id of containerd.ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
        containerd.ctr(['containers', 'delete', id]);
      }
      await stopChild(containerd.child, 10_000);
    }
    const left = leftovers(footprint);
    removeLeftovers(footprint);
    return [...left, ...remaining(footprint)];
  };
  registerExitCleanup(() => {
    spawnSync('pkill', ['-KILL', '-f', dir]); // containerd's shims run in sessions of their own
    removeLeftovers(footprint);
  });
  try {
    const standin = ensureStandin();
    makeBridge(footprint.bridge);
    const cniDir = path.join(dir, 'cni');
    writeCniConfig(cniDir, footprint.bridge, POD_SUBNET, POD_RANGE_END, path.join(dir, 'cni-ipam'));
    containerd = await startContainerd(path.join(dir, 'containerd'), logs, cniDir);
    children.push(containerd.child);
    const tarFile = writeImageLayout(path.join(dir, 'images'), standin, cp.pki.ca.certPem);
    const imported = containerd.ctr(['images', 'import', '--no-unpack=false', tarFile]);
    if (imported.code !== 0) throw new Error(`ctr images import failed: ${imported.stderr}`);

    makeCgroupRoot(footprint.cgroup);
    const kubeletDir = path.join(dir, 'kubelet');
    mkdirSync(kubeletDir, { recursive: true });
    const configFile = path.join(dir, 'kubelet.json');
    writeFileSync(
      configFile,
      kubeletConfig({
        port: await freePort(),
        healthzPort: await freePort(),
        caFile: cp.pki.caFile,
        socket: containerd.socket,
        cgroup: footprint.cgroup,
        dir,
      }),
    );
    copyFileSync(cp.kubeconfigPath, path.join(dir, 'kubeconfig'));
    const kubelet = startChild(
      'kubelet',
      cp.binaries.kubelet,
      [
        `--config=${configFile}`,
        `--kubeconfig=${path.join(dir, 'kubeconfig')}`,
        `--root-dir=${kubeletDir}`,
        `--cert-dir=${path.join(dir, 'kubelet-pki')}`,
        `--hostname-override=${NODE_NAME}`,
        `--node-ip=${NODE_IP}`,
        '--v=2',
      ],
      path.join(logs, 'kubelet.log'),
    );
    children.push(kubelet);
    const scheduler = startChild(
      'kube-scheduler',
      cp.binaries['kube-scheduler'],
      [`--kubeconfig=${cp.kubeconfigPath}`, '--leader-elect=false', '--secure-port=0', '--v=2'],
      path.join(logs, 'kube-scheduler.log'),
    );
    children.push(scheduler);
    let down: string | undefined;
    for (const child of children) void child.exited.then((code) => (down ??= `${child.name} exited (${String(code)})`));
    await waitFor(
      `node ${NODE_NAME} Ready`,
      async () => {
        if (down !== undefined) throw new GiveUp(`${down}:\n${children.map((c) => c.tail(10)).join('\n')}`);
        return nodeReady(await cp.coreApi.readNode({ name: NODE_NAME })) ? true : undefined;
      },
      120_000,
      500,
    );
    log(
      `e2e: node ${NODE_NAME} (containerd + runc + kubelet ${cp.version}) Ready in ${String(Date.now() - started)} ms`,
    );
    let stopped = false;
    return {
      name: NODE_NAME,
      ip: NODE_IP,
      dir,
      containerd,
      startMs: Date.now() - started,
      async stop(): Promise<void> {
        if (stopped) return;
        stopped = true;
        // The scheduler first, so no replacement pod of a controller is bound while the node drains.
        await stopChild(scheduler, 10_000);
        await deleteNodePods(cp);
        const left = await teardown();
        if (left.length > 0) throw new Error(`the node left on the host (now removed):\n${left.join('\n')}`);
      },
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

/** Deletes every pod bound to the node and waits until the kubelet has confirmed each (bounded). */
async function deleteNodePods(cp: ControlPlane): Promise<void> {
  const onNode = async (): Promise<number> =>
    (await cp.coreApi.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${NODE_NAME}` })).items.length;
  const pods = await cp.coreApi.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${NODE_NAME}` });
  for (const pod of pods.items) {
    await cp.coreApi
      .deleteNamespacedPod({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        gracePeriodSeconds: 1,
      })
      .catch(() => undefined);
  }
  await waitFor(
    'the kubelet to stop every pod of the node',
    async () => ((await onNode()) === 0 ? true : undefined),
    90_000,
    500,
  );
}
