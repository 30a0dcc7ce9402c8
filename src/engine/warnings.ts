/**
 * Warnings go back to kubectl in the AdmissionResponse: keep them few and short. This is the one
 * place they are bounded. The API server may truncate a warning over 256 characters and drops all
 * of them past 4096 in total (the Kubernetes documentation's "Dynamic Admission Control" page);
 * 8 lines of at most 255 characters stay well inside both, so what the user sees is what we wrote.
 */
const MAX_LENGTH = 255;
const MAX_COUNT = 8;

/** At most 8 lines of at most 255 characters; the rest is summarised in the last line. */
export function capWarnings(warnings: readonly string[]): string[] {
  const short = warnings.map((w) => (w.length > MAX_LENGTH ? `${w.slice(0, MAX_LENGTH - 1)}…` : w));
  if (short.length <= MAX_COUNT) return short;
  return [...short.slice(0, MAX_COUNT - 1), `… and ${short.length - MAX_COUNT + 1} more (see the webhook log)`];
}
