/**
 * A unified diff of two texts, line by line (LCS), with 3 lines of context: what `test` prints
 * when a case's output differs from its expected file. Test files are small, so O(n·m) is fine.
 */

type Line = { readonly tag: ' ' | '-' | '+'; readonly text: string; readonly a: number; readonly b: number };

function editScript(a: readonly string[], b: readonly string[]): Line[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the longest common subsequence of a[i..] and b[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] ?? [];
    const below = lcs[i + 1] ?? [];
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? (below[j + 1] ?? 0) + 1 : Math.max(below[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: Line[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) out.push({ tag: ' ', text: a[i++] ?? '', a: i, b: ++j });
    // On a tie, the deletion first: a changed line reads -old then +new, as in diff -u.
    else if (i < n && (j >= m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0)))
      out.push({ tag: '-', text: a[i++] ?? '', a: i, b: j });
    else out.push({ tag: '+', text: b[j++] ?? '', a: i, b: j });
  }
  return out;
}

/** `--- labelA` / `+++ labelB` and @@ hunks; empty string when the texts are equal. */
export function unifiedDiff(expected: string, actual: string, labelA: string, labelB: string, context = 3): string {
  if (expected === actual) return '';
  const split = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  const script = editScript(split(expected), split(actual));
  const changed = script.flatMap((line, index) => (line.tag === ' ' ? [] : [index]));
  const hunks: [number, number][] = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(script.length, index + context + 1);
    const last = hunks.at(-1);
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else hunks.push([start, end]);
  }
  const lines = [`--- ${labelA}`, `+++ ${labelB}`];
  for (const [start, end] of hunks) {
    const body = script.slice(start, end);
    const first = body[0];
    const aCount = body.filter((l) => l.tag !== '+').length;
    const bCount = body.filter((l) => l.tag !== '-').length;
    // Line numbers of the hunk's first line in each text (1-based, as diff -u prints them).
    const aStart = first === undefined ? 0 : first.tag === '+' ? first.a + 1 : first.a;
    const bStart = first === undefined ? 0 : first.tag === '-' ? first.b + 1 : first.b;
    lines.push(
      `@@ -${aCount === 0 ? aStart - 1 : aStart},${aCount} +${bCount === 0 ? bStart - 1 : bStart},${bCount} @@`,
    );
    for (const l of body) lines.push(l.tag + l.text);
  }
  return lines.join('\n') + '\n';
}
