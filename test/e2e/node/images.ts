/**
 * Container images for the real node, made without a registry or Docker: each is an OCI image of one
 * shared BusyBox layer (Debian's static busybox) and a small layer of its own, written as an OCI
 * image layout and imported into containerd's k8s.io namespace with `ctr images import`.
 *
 * They are STAND-INS for third-party images, tagged with the names the shipped policies use so the
 * policy files run unmodified: each does what the original does for the policy's contract, no more.
 * What the node suite proves is our pod spec on a real kubelet and runc, not those images.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The sandbox (pause) image containerd is configured with; never pulled. */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
/** Image of the test pods' app containers and of the wait-for-service policy. */
export const BUSYBOX_IMAGE = 'busybox:1.37.0';

const BUSYBOX = '/bin/busybox';
// The shell of the images. Debian's static busybox runs its own applet for any command name that
// is one (ping, nc, ...), whatever PATH says, so its `sh` could never reach a stand-in; dash (with
// the C library it links) looks commands up on PATH as every image's shell does.
const DASH = '/bin/dash';
const DASH_LIBS = ['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'];

interface ImageSpec {
  /** Reference as a pod names it (normalised to docker.io/... on import). */
  readonly ref: string;
  /** Files of the image's own layer: path -> content, or {standin} for a link to the stand-in binary. */
  readonly files: Readonly<Record<string, string | { readonly standin: true }>>;
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  /** Without BusyBox (the pause image). */
  readonly bare?: boolean;
}

// What luksa/init-demo does for the kubia-init example: prints its steps for a few seconds, exits 0.
const INIT_DEMO = `#!/bin/sh
steps=\${1:-5}
echo "init-demo (stand-in): initialisation started"
i=1
while [ "$i" -le "$steps" ]; do
  echo "init-demo (stand-in): step $i of $steps"
  sleep 1
  i=$((i + 1))
done
echo "init-demo (stand-in): initialisation complete"
`;

// What luksa/network-connectivity-checker does: ping the host given as the first argument once and
// exit 0 when it answers, 1 when not (the kubelet restarts it). The original falls back to 1.1.1.1;
// this stand-in falls back to $TARGET and otherwise refuses, so no test can ever ping outside.
const NETWORK_CHECKER = `#!/bin/sh
host=\${1:-$TARGET}
if [ -z "$host" ]; then
  echo "network-checker (stand-in): no target (first argument or TARGET); refusing the 1.1.1.1 default here" >&2
  exit 2
fi
echo "Checking network connectivity to $host ..."
if ping -c 1 -W 2 "$host"; then
  echo "Host appears to be reachable"
  exit 0
fi
echo "Host unreachable!"
exit 1
`;

function images(caBundle: string): ImageSpec[] {
  return [
    { ref: PAUSE_IMAGE, bare: true, files: { pause: { standin: true } }, entrypoint: ['/pause'] },
    // BusyBox's own ping (raw sockets only); `nc -z` comes from the stand-in because Debian's
    // busybox is built without it and the wait-for-service policy relies on it.
    { ref: BUSYBOX_IMAGE, files: { 'usr/local/bin/nc': { standin: true } }, cmd: ['sh'] },
    { ref: 'luksa/init-demo:1.0', files: { 'docker_entrypoint.sh': INIT_DEMO }, entrypoint: ['/docker_entrypoint.sh'] },
    {
      ref: 'luksa/network-connectivity-checker:1.0',
      files: { 'docker_entrypoint.sh': NETWORK_CHECKER, 'usr/local/bin/ping': { standin: true } },
      entrypoint: ['/docker_entrypoint.sh'],
    },
    {
      ref: 'curlimages/curl:8.11.1',
      files: { 'usr/bin/curl': { standin: true }, 'etc/ssl/certs/ca-certificates.crt': caBundle },
      entrypoint: ['curl'],
    },
  ];
}

interface Blob {
  readonly digest: string;
  readonly size: number;
}

function writeBlob(layout: string, data: Buffer): Blob {
  const hex = createHash('sha256').update(data).digest('hex');
  writeFileSync(path.join(layout, 'blobs', 'sha256', hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

/** A reproducible tar of `dir` (root-owned, fixed times, sorted). */
function tarDir(dir: string): Buffer {
  const out = spawnSync(
    'tar',
    ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', dir, '-cf', '-', '.'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  if (out.status !== 0) throw new Error(`tar of ${dir} failed: ${out.stderr.toString()}`);
  return out.stdout;
}

/** True when the ELF file has no program interpreter (statically linked). */
export function isStaticElf(file: string): boolean {
  const elf = readFileSync(file);
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false; // ELF64 only
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i += 1) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  return true;
}

function busyboxLayer(root: string): void {
  if (!isStaticElf(BUSYBOX)) throw new Error(`${BUSYBOX} is not statically linked: install Debian's busybox-static`);
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  for (const dir of ['tmp', 'etc', 'usr/bin', 'usr/local/bin']) mkdirSync(path.join(root, dir), { recursive: true });
  chmodSync(path.join(root, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'));
  const list = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of list)
    if (applet !== 'busybox' && applet !== 'sh') symlinkSync('busybox', path.join(root, 'bin', applet));
  copyFileSync(DASH, path.join(root, 'bin', 'sh'));
  for (const lib of DASH_LIBS) {
    mkdirSync(path.join(root, path.dirname(lib)), { recursive: true });
    copyFileSync(realpathSync(lib), path.join(root, lib));
  }
  writeFileSync(
    path.join(root, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532::/tmp:/bin/sh\n',
  );
  writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\nnonroot:x:65532:\n');
}

function ownLayer(root: string, spec: ImageSpec): void {
  for (const [file, content] of Object.entries(spec.files)) {
    const target = path.join(root, file);
    mkdirSync(path.dirname(target), { recursive: true });
    if (typeof content === 'string') {
      writeFileSync(target, content, { mode: 0o755 });
    } else {
      // The stand-in binary is called by the name of its link (argv[0]), as BusyBox applets are.
      mkdirSync(path.join(root, 'standin'), { recursive: true });
      symlinkSync(path.relative(path.dirname(target), path.join(root, 'standin', 'standin')), target);
    }
  }
}

/**
 * Writes every stand-in image into one OCI image layout under `dir` and returns the path of its tar
 * (what `ctr images import` reads). `caBundle` becomes the curl image's trusted roots.
 */
export function writeImageLayout(dir: string, standin: string, caBundle: string): string {
  const layout = path.join(dir, 'layout');
  mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  const baseRoot = path.join(dir, 'layers', 'busybox');
  busyboxLayer(baseRoot);
  const base = tarDir(baseRoot);
  const baseBlob = writeBlob(layout, base);
  const manifests: object[] = [];
  for (const [index, spec] of images(caBundle).entries()) {
    const root = path.join(dir, 'layers', String(index));
    mkdirSync(root, { recursive: true });
    ownLayer(root, spec);
    if (Object.values(spec.files).some((f) => typeof f !== 'string')) {
      copyFileSync(standin, path.join(root, 'standin', 'standin'));
      chmodSync(path.join(root, 'standin', 'standin'), 0o755);
    }
    const own = tarDir(root);
    const ownBlob = writeBlob(layout, own);
    const layers = spec.bare === true ? [ownBlob] : [baseBlob, ownBlob];
    const diffIds = spec.bare === true ? [ownBlob.digest] : [baseBlob.digest, ownBlob.digest];
    const config = writeBlob(
      layout,
      Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: {
            Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
            ...(spec.entrypoint === undefined ? {} : { Entrypoint: spec.entrypoint }),
            ...(spec.cmd === undefined ? {} : { Cmd: spec.cmd }),
            WorkingDir: '/',
          },
          rootfs: { type: 'layers', diff_ids: diffIds },
        }),
      ),
    );
    const manifest = writeBlob(
      layout,
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
        }),
      ),
    );
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      annotations: { 'io.containerd.image.name': normalise(spec.ref) },
    });
  }
  writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  const tarFile = path.join(dir, 'images.tar');
  writeFileSync(tarFile, tarDir(layout));
  return tarFile;
}

/** `busybox:1.37.0` -> `docker.io/library/busybox:1.37.0`, as the kubelet and containerd name it. */
export function normalise(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  if (ref.includes('/') && (first.includes('.') || first.includes(':'))) return ref;
  return ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}

/** Every image reference the layout holds (normalised). */
export function imageRefs(): string[] {
  return images('').map((i) => normalise(i.ref));
}
