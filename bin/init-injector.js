#!/usr/bin/env node
// The CLI runs from the compiled dist/ (npm run build). `npx init-injector …` from the repo root
// builds it first when dist/ is missing, so a fresh clone works after `npm ci`.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('init-injector: dist/ is missing, building it once (npm run build)…\n');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
}
const { run } = await import(pathToFileURL(main).href);
process.exitCode = await run(process.argv.slice(2));
