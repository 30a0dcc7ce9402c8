#!/usr/bin/env node
// The CLI runs from the compiled dist/ (npm run build). `npx init-injector …` from the repo root
// builds it first when dist/ is missing, so a fresh clone works after `npm ci`.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Before anything that needs a newer Node is imported: on an older one, the HTTP client inside
// @kubernetes/client-node dies at import with a TypeError that says nothing of the version.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `init-injector: needs Node >= 22.19 (Node 24 LTS recommended), found ${process.versions.node}; run \`. hack/use-node24.sh\` in this shell, then try again\n`,
  );
  process.exit(1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('init-injector: dist/ is missing, building it once (npm run build)…\n');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
}
const { run } = await import(pathToFileURL(main).href);
process.exitCode = await run(process.argv.slice(2));
