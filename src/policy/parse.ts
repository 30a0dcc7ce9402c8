/**
 * YAML text -> documents that remember where every field was written (pure: no I/O).
 *
 * js-yaml 5 gives a flat event stream with source offsets (`parseEvents`); we walk it once per
 * document to map each field path to the offset of its key (or of the item, in a list), and build
 * the values from the same events with CORE_SCHEMA, so `2024-01-01` and `yes` stay strings. Schema
 * errors can then say `file:line: spec.parameters[1].pattern: …`, naming what to fix and where.
 */
import {
  CORE_SCHEMA,
  EVENT_ID,
  SCALAR_STYLE,
  YAMLException,
  constructFromEvents,
  getScalarValue,
  mergeTag,
  parseEvents,
} from 'js-yaml';
import type { Event } from 'js-yaml';
import { type Diagnostic, type Result, err, formatPath, ok } from './diagnostics.js';

/** One non-empty YAML document of a file. */
export interface ParsedDocument {
  /** 0-based position of the document in its file (empty documents count). */
  readonly index: number;
  /** 1-based line where the document's content starts. */
  readonly line: number;
  /** The plain JSON-like value (objects, arrays, strings, numbers, booleans, null). */
  readonly value: unknown;
  /**
   * 1-based line of a field path such as ['spec', 'parameters', 1, 'pattern']. A path that is not
   * written in the file (a missing required field) gets the line of its nearest written parent.
   */
  readonly lineOf: (path: readonly PropertyKey[]) => number;
}

/** Merge keys (`<<: *base`) are accepted as Kubernetes' own YAML reader accepts them. */
const SCHEMA = CORE_SCHEMA.withTags(mergeTag);

/** Splits `text` into documents; a syntax error gives one diagnostic with its line (no documents). */
export function parseDocuments(text: string, file: string): Result<readonly ParsedDocument[], readonly Diagnostic[]> {
  let events: Event[];
  let values: unknown[];
  try {
    events = parseEvents(text, { filename: file });
    values = constructFromEvents(events, { source: text, filename: file, schema: SCHEMA });
  } catch (error) {
    return err([syntaxDiagnostic(error, file)]);
  }
  const lines = lineStarts(text);
  const docs: ParsedDocument[] = [];
  const ambiguous: Diagnostic[] = [];
  let cursor = 0;
  for (let index = 0; index < values.length; index++) {
    const start = cursor;
    cursor = documentEnd(events, start);
    const value = values[index];
    if (value === null || value === undefined) continue;
    const { offsets, octalLooking } = pathOffsets(events.slice(start + 1, cursor - 1), text);
    const lineOf = (path: readonly PropertyKey[]): number => {
      for (let n = path.length; n >= 0; n--) {
        const offset = offsets.get(pathKey(path.slice(0, n)));
        if (offset !== undefined) return lineAt(lines, offset);
      }
      return 1;
    };
    for (const { path, offset, text: number } of octalLooking)
      ambiguous.push(octalDiagnostic(file, lineAt(lines, offset), path, number));
    docs.push({ index, line: lineOf([]), value, lineOf });
  }
  return ambiguous.length > 0 ? err(ambiguous) : ok(docs);
}

/**
 * A plain number with a leading zero and an octal digit after it, such as `0400`: YAML 1.2 (this
 * reader) reads 400, YAML 1.1 (kubectl, go-yaml v2) reads octal 0400 = 256. A file mode is where it
 * is written, and the two differ by every permission bit, so it is refused: `0o400` and `256` read
 * the same in both.
 */
const OCTAL_LOOKING = /^[-+]?0[0-7_]*[1-7][0-7_]*$/;

function octalDiagnostic(file: string, line: number, path: readonly PropertyKey[], number: string): Diagnostic {
  const sign = number.startsWith('-') ? '-' : '';
  const digits = number.replace(/^[-+]?0/, '').replaceAll('_', '');
  const octal = parseInt(digits, 8);
  return {
    file,
    line,
    path: formatPath(path),
    message: `${number} is ${sign}${Number(number.replaceAll('_', ''))} in YAML 1.2 but octal (${sign}${octal}) in YAML 1.1, which kubectl reads: write ${sign}0o${digits} or ${sign}${octal} (or quote it if it is text)`,
  };
}

function syntaxDiagnostic(error: unknown, file: string): Diagnostic {
  if (error instanceof YAMLException) {
    const line = error.mark ? error.mark.line + 1 : 0;
    return { file, line, path: '', message: `YAML syntax error: ${error.reason}` };
  }
  return {
    file,
    line: 0,
    path: '',
    message: `cannot parse YAML: ${error instanceof Error ? error.message : String(error)}`,
  };
}

/** The index just past the POP that closes the DOCUMENT event at `start`. */
function documentEnd(events: readonly Event[], start: number): number {
  let depth = 0;
  for (let i = start; i < events.length; i++) {
    const type = events[i]?.type;
    if (type === EVENT_ID.DOCUMENT || type === EVENT_ID.SEQUENCE || type === EVENT_ID.MAPPING) depth++;
    else if (type === EVENT_ID.POP && --depth === 0) return i + 1;
  }
  return events.length;
}

/** A stable map key for a path: numbers (list indexes) and strings (field names) kept apart. */
function pathKey(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `#${p}` : `.${String(p)}`)).join('\u0000');
}

interface Frame {
  readonly kind: 'map' | 'seq';
  readonly path: readonly PropertyKey[];
  /** map: the key waiting for its value, or undefined when the next node is a key. */
  key: PropertyKey | undefined;
  keyOffset: number;
  /** seq: index of the next item. */
  next: number;
}

/**
 * Walks one document's events (without its DOCUMENT/POP pair) and records, for every path, the offset
 * of the key that introduces it (fields) or of the item itself (list items). The root gets the offset
 * of the first node.
 */
function pathOffsets(
  events: readonly Event[],
  text: string,
): { offsets: Map<string, number>; octalLooking: { path: readonly PropertyKey[]; offset: number; text: string }[] } {
  const offsets = new Map<string, number>();
  const octalLooking: { path: readonly PropertyKey[]; offset: number; text: string }[] = [];
  const stack: Frame[] = [];
  const nodeStart = (e: Event): number => {
    if (e.type === EVENT_ID.SCALAR)
      return e.valueStart >= 0 ? e.valueStart : e.tagStart >= 0 ? e.tagStart : e.anchorStart;
    if (e.type === EVENT_ID.SEQUENCE || e.type === EVENT_ID.MAPPING) return e.start;
    if (e.type === EVENT_ID.ALIAS) return e.anchorStart;
    return -1;
  };
  /** Claims the slot for a value node in the current container; returns its path. */
  const place = (offset: number): readonly PropertyKey[] => {
    const top = stack.at(-1);
    if (top === undefined) {
      if (offset >= 0) offsets.set(pathKey([]), offset);
      return [];
    }
    if (top.kind === 'seq') {
      const path = [...top.path, top.next++];
      if (offset >= 0) offsets.set(pathKey(path), offset);
      return path;
    }
    const path = [...top.path, top.key ?? ''];
    const at = top.keyOffset >= 0 ? top.keyOffset : offset;
    if (at >= 0) offsets.set(pathKey(path), at);
    top.key = undefined;
    return path;
  };
  // A collection used as a mapping key (rare `? [a, b]: c`) has no field name; skip its contents.
  let skipDepth = 0;
  for (const e of events) {
    if (skipDepth > 0) {
      if (e.type === EVENT_ID.SEQUENCE || e.type === EVENT_ID.MAPPING) skipDepth++;
      else if (e.type === EVENT_ID.POP) skipDepth--;
      continue;
    }
    const top = stack.at(-1);
    const isKey = top?.kind === 'map' && top.key === undefined;
    if (e.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    if (isKey) {
      if (e.type === EVENT_ID.SCALAR) {
        top.key = e.valueStart >= 0 ? getScalarValue(text, e) : '';
      } else {
        top.key = '?';
        if (e.type !== EVENT_ID.ALIAS) skipDepth = 1;
      }
      top.keyOffset = nodeStart(e);
      continue;
    }
    const path = place(nodeStart(e));
    if (e.type === EVENT_ID.SCALAR && e.style === SCALAR_STYLE.PLAIN && e.tagStart < 0 && e.valueStart >= 0) {
      const value = text.slice(e.valueStart, e.valueEnd);
      if (OCTAL_LOOKING.test(value)) octalLooking.push({ path, offset: e.valueStart, text: value });
    }
    if (e.type === EVENT_ID.MAPPING) stack.push({ kind: 'map', path, key: undefined, keyOffset: -1, next: 0 });
    else if (e.type === EVENT_ID.SEQUENCE) stack.push({ kind: 'seq', path, key: undefined, keyOffset: -1, next: 0 });
  }
  return { offsets, octalLooking };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of a 0-based offset (binary search over line starts). */
function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
