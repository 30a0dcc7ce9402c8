// A small reader for our Dockerfile: stages with their WORKDIR, COPY, RUN, USER and ENTRYPOINT
// instructions, and .dockerignore matching, so image.test.ts follows the files instead of repeating them.
import { readFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { ROOT } from './render.js';

/** One COPY instruction: `--from` stage (undefined = build context), sources and destination. */
export interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
  readonly line: number;
}

/** One build stage. */
export interface Stage {
  readonly name: string | undefined;
  readonly workdir: string;
  readonly copies: Copy[];
  readonly runs: string[];
  user: string | undefined;
  entrypoint: string[] | undefined;
}

/** Parses Dockerfile (line continuations joined, comments dropped) into stages. */
export function readDockerfile(path = join(ROOT, 'Dockerfile')): Stage[] {
  const stages: Stage[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  let stage: Stage | undefined;
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let text = lines[i]!.trim();
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!.trim()}`;
    if (text === '' || text.startsWith('#')) continue;
    const [op, ...rest] = text.split(/\s+/);
    const args = rest.join(' ');
    if (op === 'FROM') {
      const m = /\bAS\s+(\S+)$/i.exec(args);
      stage = { name: m?.[1], workdir: '/', copies: [], runs: [], user: undefined, entrypoint: undefined };
      stages.push(stage);
      continue;
    }
    if (stage === undefined) continue; // ARG before the first FROM
    if (op === 'WORKDIR') (stage as { workdir: string }).workdir = args;
    else if (op === 'RUN') stage.runs.push(args);
    else if (op === 'USER') stage.user = args;
    else if (op === 'ENTRYPOINT') stage.entrypoint = JSON.parse(args) as string[];
    else if (op === 'COPY') {
      const words = rest.filter((w) => !w.startsWith('--') || w.startsWith('--from='));
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--from='));
      stage.copies.push({ from, sources: paths.slice(0, -1), dest: paths.at(-1)!, line: start });
    }
  }
  return stages;
}

/** Patterns of .dockerignore (Docker semantics: the last matching pattern wins, `!` re-includes). */
export function dockerignore(path = join(ROOT, '.dockerignore')): (relPath: string) => boolean {
  const patterns = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return (rel) => {
    let ignored = false;
    for (const p of patterns) {
      const negate = p.startsWith('!');
      const glob = negate ? p.slice(1) : p;
      // A pattern naming a directory also covers everything below it.
      if (matchesGlob(rel, glob) || matchesGlob(rel, `${glob}/**`)) ignored = !negate;
    }
    return ignored;
  };
}
