/**
 * Serving certificate: load and check the pair, build TLS options, and hot-swap it when the files
 * change (cert-manager rotation) with server.setSecureContext(); "existing connections to the server
 * are not interrupted" (Node tls docs). A pair that fails to load never replaces the working one.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { TlsError } from '../errors.js';
import { watchFiles } from '../kube/file-watch.js';

/** A loaded, checked certificate/key pair. */
export interface KeyPair {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly fingerprint: string;
}

/** Reads and checks a PEM pair: parseable, key matches certificate. Throws TlsError naming the file. */
export async function loadKeyPair(certPath: string, keyPath: string): Promise<KeyPair> {
  // Both read, then every failure reported in a fixed order (certificate first): with Promise.all
  // the message named whichever missing file the file system happened to report first.
  const [certRead, keyRead] = await Promise.allSettled([readFile(certPath), readFile(keyPath)]);
  if (certRead.status === 'rejected' || keyRead.status === 'rejected') {
    const failed = [certRead, keyRead].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    throw new TlsError(`cannot read the serving certificate or key: ${failed.map((e) => e.message).join('; ')}`, {
      cause: failed[0],
    });
  }
  const cert = certRead.value;
  const key = keyRead.value;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new TlsError(`${certPath}: not a PEM certificate (${(e as Error).message})`, { cause: e });
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) {
      throw new TlsError(`${keyPath}: the key does not belong to the certificate in ${certPath}`);
    }
  } catch (e) {
    if (e instanceof TlsError) throw e;
    throw new TlsError(`${keyPath}: not a PEM private key (${(e as Error).message})`, { cause: e });
  }
  return {
    cert,
    key,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    fingerprint: x509.fingerprint256,
  };
}

/**
 * TLS 1.2 minimum, as Kyverno's webhook server uses (the API server's Go client also speaks 1.3;
 * docs/operations.md, "Ports and endpoints"). ALPN offers only http/1.1: the API server pins
 * http/1.1 itself (kubernetes #75791) and the server never speaks HTTP/2.
 */
export function secureContextOptions(pair: KeyPair): SecureContextOptions {
  return { cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' };
}

/** Server options for https.createServer. */
export function tlsServerOptions(pair: KeyPair): TlsOptions {
  return { ...secureContextOptions(pair), ALPNProtocols: ['http/1.1'] };
}

/** Readiness view of the certificate in use. */
export interface CertificateStatus {
  readonly notAfter: string;
  readonly valid: boolean;
  readonly source: string;
  readonly lastError?: string;
}

/** Events of a CertificateWatcher: `applied` after a swap, `failed` when a changed pair does not load. */
export type CertificateEvent =
  { readonly type: 'applied'; readonly pair: KeyPair } | { readonly type: 'failed'; readonly error: TlsError };

/**
 * Timing of a CertificateWatcher: a 100 ms debounce and a 10 s poll unless given (the interval of
 * controller-runtime's certwatcher).
 */
export interface WatchOptions {
  readonly pollMs?: number;
  readonly debounceMs?: number;
}

/**
 * Watches the certificate and key as a kubelet-updated Secret volume changes them (watchFiles:
 * their directories, debounced, plus a poll). On a change whose content differs, loads the pair
 * and calls `apply`; a bad pair only reports.
 */
export class CertificateWatcher {
  readonly #certPath: string;
  readonly #keyPath: string;
  readonly #apply: (pair: KeyPair) => void;
  readonly #onEvent: (event: CertificateEvent) => void;
  readonly #stop: () => void;
  #current: KeyPair;
  #lastError: TlsError | undefined;

  constructor(
    paths: { readonly cert: string; readonly key: string },
    initial: KeyPair,
    apply: (pair: KeyPair) => void,
    onEvent: (event: CertificateEvent) => void,
    options: WatchOptions = {},
  ) {
    this.#certPath = paths.cert;
    this.#keyPath = paths.key;
    this.#current = initial;
    this.#apply = apply;
    this.#onEvent = onEvent;
    this.#stop = watchFiles([paths.cert, paths.key], () => this.#check(), {
      debounceMs: options.debounceMs ?? 100,
      pollMs: options.pollMs ?? 10_000,
    });
  }

  /** The pair in use. */
  current(): KeyPair {
    return this.#current;
  }

  /** Readiness detail: valid = now within [notBefore, notAfter]. */
  status(now: number = Date.now()): CertificateStatus {
    const p = this.#current;
    return {
      notAfter: p.notAfter.toISOString(),
      valid: now >= p.notBefore.getTime() && now < p.notAfter.getTime(),
      source: this.#certPath,
      ...(this.#lastError ? { lastError: this.#lastError.message } : {}),
    };
  }

  /** Re-reads the files; swaps when their content changed and the new pair is good. */
  async #check(): Promise<void> {
    try {
      const pair = await loadKeyPair(this.#certPath, this.#keyPath);
      if (pair.cert.equals(this.#current.cert) && pair.key.equals(this.#current.key)) return;
      this.#apply(pair);
      this.#current = pair;
      this.#lastError = undefined;
      this.#onEvent({ type: 'applied', pair });
    } catch (e) {
      // Half-written rotations (cert updated, key not yet) land here; the next event or poll retries.
      const error = e instanceof TlsError ? e : new TlsError((e as Error).message, { cause: e });
      if (this.#lastError?.message !== error.message) this.#onEvent({ type: 'failed', error });
      this.#lastError = error;
    }
  }

  /** Stops watching. */
  close(): void {
    this.#stop();
  }
}
