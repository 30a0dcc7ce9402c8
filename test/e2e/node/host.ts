/**
 * What the node leaves on the host and has to be taken back: mounts under its work dir, network
 * namespaces made for its pods, the CNI bridge and the kubelet's cgroup subtree. `leftovers` lists
 * them (teardown fails when any is found); `removeLeftovers` takes them away, synchronously, so the
 * exit path can call it too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';

const NETNS_DIR = '/run/netns';
const CGROUP_ROOT = '/sys/fs/cgroup';

export interface HostFootprint {
  readonly dir: string;
  readonly bridge: string;
  /** Cgroup path below each hierarchy (e.g. "/init-injector-e2e-123"). */
  readonly cgroup: string;
  /** Network namespaces that existed before the node started: never touched. */
  readonly netnsBefore: ReadonlySet<string>;
}

export function listNetns(): string[] {
  return existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR) : [];
}

function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\040/g, ' '));
  return points.filter((p) => p === dir || p.startsWith(`${dir}/`));
}

function cgroupDirs(cgroup: string): string[] {
  if (!existsSync(CGROUP_ROOT)) return [];
  const dirs: string[] = [];
  for (const hierarchy of readdirSync(CGROUP_ROOT)) {
    const dir = path.join(CGROUP_ROOT, hierarchy, cgroup);
    if (existsSync(dir) && statSync(dir).isDirectory()) dirs.push(dir);
  }
  if (existsSync(path.join(CGROUP_ROOT, cgroup, 'cgroup.procs'))) dirs.push(path.join(CGROUP_ROOT, cgroup));
  return dirs;
}

/** Every cgroup directory below the node's cgroup root, in every hierarchy (parents first). */
function cgroupTree(f: HostFootprint): string[] {
  const all: string[] = [];
  const walk = (dir: string): void => {
    all.push(dir);
    try {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
    } catch {
      // removed meanwhile
    }
  };
  for (const top of cgroupDirs(f.cgroup)) walk(top);
  return all;
}

/** Processes still in the node's cgroups: containers whose shim is gone keep running otherwise. */
function cgroupProcesses(f: HostFootprint): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupTree(f)) {
    try {
      for (const line of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
        if (line !== '') pids.add(Number(line));
      }
    } catch {
      // no such file in this hierarchy, or removed meanwhile
    }
  }
  return [...pids];
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8')
      .replace(/\0/g, ' ')
      .trim();
  } catch {
    return '?';
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function newNetns(f: HostFootprint): string[] {
  return listNetns().filter((n) => !f.netnsBefore.has(n) && n.startsWith('cni-'));
}

function bridgeExists(bridge: string): boolean {
  return existsSync(path.join('/sys/class/net', bridge));
}

/**
 * What the pods left on the host once the kubelet and containerd are stopped, one line each: mounts
 * under the work dir (but the kubelet's bind mount of its own root dir), and pod network namespaces.
 * The bridge and the cgroup root are the node's own and expected; `removeLeftovers` takes them too.
 */
export function leftovers(f: HostFootprint): string[] {
  const kubeletRoot = path.join(f.dir, 'kubelet');
  return [
    ...cgroupProcesses(f).map((pid) => `process ${String(pid)} (${commandOf(pid)})`),
    ...mountsUnder(f.dir)
      .filter((m) => m !== kubeletRoot)
      .map((m) => `mount ${m}`),
    ...newNetns(f).map((n) => `network namespace ${NETNS_DIR}/${n}`),
  ];
}

/** What is still there after removeLeftovers: a cgroup with a process in it, a busy mount, ... */
export function remaining(f: HostFootprint): string[] {
  return [
    ...cgroupProcesses(f).map((pid) => `process ${String(pid)} (${commandOf(pid)})`),
    ...mountsUnder(f.dir).map((m) => `mount ${m}`),
    ...newNetns(f).map((n) => `network namespace ${NETNS_DIR}/${n}`),
    ...(bridgeExists(f.bridge) ? [`network interface ${f.bridge}`] : []),
    ...cgroupDirs(f.cgroup).map((d) => `cgroup ${d}`),
  ];
}

/** Removes whatever `leftovers` would list (processes, then deepest mounts and cgroups first). Never throws. */
export function removeLeftovers(f: HostFootprint): void {
  for (let tries = 0; tries < 30; tries += 1) {
    const pids = cgroupProcesses(f);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    sleepSync(100);
  }
  for (const m of mountsUnder(f.dir).sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m]);
  for (const n of newNetns(f)) {
    const file = path.join(NETNS_DIR, n);
    spawnSync('umount', ['-l', file]);
    try {
      unlinkSync(file);
    } catch {
      // gone already
    }
  }
  if (bridgeExists(f.bridge)) spawnSync('ip', ['link', 'delete', f.bridge]);
  for (const dir of cgroupTree(f).reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // a process is still in it; remaining() reports it
    }
  }
}
