/**
 * Reads the /mutate body once, bounded, and parses it once. Replaces express.json(): the admission
 * path stays near bare node:https, so there is no body-parser re-parse, no charset negotiation
 * object, and no allocation beyond the chunks and one string. Reading and parsing are separate
 * steps, so a large body can be parsed off the event loop (large-lane.ts).
 *
 * The body stays in the chunks it arrived in. Each chunk Node's HTTP parser hands on is a buffer of
 * its own, so the large-review lane moves the chunks to its worker instead of copying them into one
 * buffer here: a copy left the chunks behind as garbage on the event loop's heap, where V8 counts
 * such memory towards its next full collection (docs/performance.md, "The chunks a body arrived in").
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { AdmissionHttpError } from '../errors.js';

/**
 * 7 MiB. An AdmissionReview carries at most two objects (object, oldObject), each bounded by the
 * kube-apiserver's 3 MiB request limit ("1.5MB is the recommended client request size ... we allow
 * 2x"), plus under 1 MiB of envelope. Same bound as controller-runtime
 * (pkg/webhook/admission/http.go maxRequestSize). express.json()'s 100 kB default rejects real pods.
 */
export const MAX_REVIEW_BYTES = 7 * 1024 * 1024;

/**
 * A large body is read at most about this many bytes per event-loop turn. libuv reads a ready socket
 * up to 32 times 64 KiB before it looks at any other, so without a pause one turn decrypted, parsed
 * and copied up to 1.25 MiB of a 2 MB body (3-7 ms) while every other request waited behind it.
 */
export const BODY_BYTES_PER_TURN = 64 * 1024;

/** `application/json`, optionally with parameters (`; charset=utf-8`), case-insensitive. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const semi = header.indexOf(';');
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json';
}

function tooLarge(): AdmissionHttpError {
  return new AdmissionHttpError(
    'INJ_BODY_TOO_LARGE',
    `request body exceeds ${MAX_REVIEW_BYTES} bytes (7 MiB), the largest AdmissionReview the API server can send`,
  );
}

/**
 * The JSON of a body, or an AdmissionHttpError (400) when the bytes are not UTF-8 or not JSON.
 * JSON.parse defines `__proto__` as an own data property, so parsing cannot pollute prototypes; the
 * result is never merged into other objects.
 */
export function parseJsonBody(buf: Uint8Array): unknown {
  if (buf.length === 0)
    throw new AdmissionHttpError('INJ_REVIEW_INVALID', 'invalid AdmissionReview: the body is empty');
  if (!isUtf8(buf))
    throw new AdmissionHttpError('INJ_REVIEW_INVALID', 'invalid AdmissionReview: the body is not valid UTF-8');
  try {
    return JSON.parse(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8'));
  } catch (e) {
    // V8's message quotes the input; keep only the position so the body is never echoed.
    const at = /at position (\d+)/.exec(e instanceof Error ? e.message : '');
    const where = at === null ? '' : ` at byte ${at[1] ?? ''}`;
    throw new AdmissionHttpError('INJ_REVIEW_INVALID', `invalid AdmissionReview: malformed JSON${where}`);
  }
}

/** A request body as read: its chunks in arrival order, and their total length in bytes. */
export interface Body {
  readonly chunks: readonly Buffer[];
  readonly length: number;
}

/** A body's chunks in one buffer: the only chunk as it is, or a copy of all of them. */
export function wholeBody(chunks: readonly Uint8Array[], length?: number): Uint8Array {
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, length);
}

/**
 * Resolves with the body, or rejects with an AdmissionHttpError (413) when Content-Length
 * or the bytes read pass `limit` (reading stops at once).
 */
export function readBody(req: IncomingMessage, limit: number = MAX_REVIEW_BYTES): Promise<Body> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let sincePause = 0;
    let settled = false;
    const resume = (): void => {
      sincePause = 0;
      if (!settled) req.resume();
    };
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > limit) {
        cleanup();
        chunks.length = 0;
        req.pause(); // stop reading; the 413 goes out with Connection: close
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
      sincePause += chunk.length;
      if (sincePause >= BODY_BYTES_PER_TURN) {
        // Let the other connections' requests run before reading on (see BODY_BYTES_PER_TURN).
        req.pause();
        setImmediate(resume);
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ chunks, length: size });
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    function cleanup(): void {
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
