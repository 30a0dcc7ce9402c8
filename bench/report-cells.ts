/** Rows of the bench table (11 cells, report.ts `head`) that carry only a few of its columns. */

/** Section, scenario, the peak RSS column and the note; every measurement cell left empty. */
export function noteRow(section: string, scenario: string, note: string, rssMiB = ''): string[] {
  return [section, scenario, '', '', '', '', '', '', rssMiB, '', note];
}

/** A section that did not run, and why. */
export function skippedRow(section: string, why: string): string[] {
  return noteRow(section, `skipped: ${why}`, '');
}
