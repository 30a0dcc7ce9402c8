/**
 * "Did you mean …?" for misspelt field names and enum values (pure). A typo should be fixed from
 * the message alone, without opening the reference.
 */

/** The candidate closest to `word`, if it is close enough to be the intended spelling. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Up to 1 edit for short words, 2 for medium, 3 for long ones: enough for typos, not for guesses.
  const allowed = word.length <= 4 ? 1 : word.length <= 10 ? 2 : 3;
  return bestDistance <= allowed ? best : undefined;
}

/** ` (did you mean "x"?)` or '' — ready to append to a message. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

/** Optimal string alignment distance: Levenshtein plus transposition of two adjacent letters. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  const first = rows[0] ?? [];
  for (let j = 1; j <= b.length; j++) first[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    const prev = rows[i - 1] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row[j] = d;
    }
  }
  return rows[a.length]?.[b.length] ?? Math.max(a.length, b.length);
}
