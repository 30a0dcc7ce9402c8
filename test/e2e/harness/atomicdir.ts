/**
 * A directory updated the way the kubelet updates a ConfigMap or Secret volume (its AtomicWriter):
 * files live in a timestamped `..<stamp>` dir, `..data` points at it, and each visible name is a
 * symlink through `..data`. An update writes a new stamped dir and renames a new `..data` link over
 * the old one, so readers see the whole old set or the whole new set. This is how policies
 * (ConfigMap) and cert-manager certificates (Secret) change under a running webhook pod.
 */
import { mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

let counter = 0;

/** Replaces the directory's content with `files` (name -> content) in one atomic switch. */
export async function writeAtomicDir(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const before = await readdir(dir);
  counter += 1;
  const stamp = `..${new Date().toISOString().replace(/[-:.TZ]/g, '_')}${String(counter)}`;
  await mkdir(path.join(dir, stamp));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, stamp, name), content);
  const tmpLink = path.join(dir, '..data_tmp');
  await rm(tmpLink, { force: true });
  await symlink(stamp, tmpLink);
  await rename(tmpLink, path.join(dir, '..data'));
  // Visible names: add links for new files, drop links for removed ones, drop old stamped dirs.
  for (const name of Object.keys(files)) {
    if (!before.includes(name)) await symlink(path.join('..data', name), path.join(dir, name));
  }
  for (const name of before) {
    const stale = name.startsWith('..') ? name !== '..data' : !(name in files);
    if (stale) await rm(path.join(dir, name), { recursive: true, force: true });
  }
}
