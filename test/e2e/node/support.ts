/**
 * Whether this machine can run the real node (containerd + runc + kubelet): root, a cgroup hierarchy,
 * and Debian's containerd, runc, CNI plugins and static busybox. Shared by .mocharc.e2e.cjs (which
 * leaves the node scenarios out, in one line, when it cannot) and the harness.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

/** Programs the node needs, looked up on PATH. */
export const NODE_PROGRAMS = ['containerd', 'containerd-shim-runc-v2', 'ctr', 'runc', 'ip', 'tar'] as const;
/** CNI plugins the pod network uses (Debian's containernetworking-plugins). */
export const CNI_BIN_DIR = '/usr/lib/cni';

function onPath(program: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Why the node cannot run here, or undefined when it can. */
export function nodeUnsupported(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (containerd, runc and the kubelet need root)';
  if (!existsSync('/sys/fs/cgroup/memory') && !existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    return 'no usable cgroup hierarchy under /sys/fs/cgroup';
  }
  const missing: string[] = NODE_PROGRAMS.filter((p) => onPath(p) === undefined);
  if (!existsSync(path.join(CNI_BIN_DIR, 'bridge'))) missing.push(`${CNI_BIN_DIR}/bridge`);
  if (!existsSync('/bin/busybox')) missing.push('/bin/busybox');
  if (missing.length > 0) {
    return `missing ${missing.join(', ')} (apt-get install containerd runc containernetworking-plugins busybox-static iproute2)`;
  }
  return undefined;
}
