/** Helpers for tests that run the real server: in-process startServe, HTTPS clients, kubelet-style cert dirs. */
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type Agent } from 'node:https';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { parseServeConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import {
  createCertificateAuthority,
  issueServingCertificate,
  type CertificateAuthority,
  type PemPair,
} from '../../src/server/pki.js';
import { startServe, type RunningServer, type Timeouts } from '../../src/server/serve.js';
import { aPod, reviewFor } from './support.js';

/** Starts the real server in this process on ephemeral ports with `flags`; no kubeconfig is looked up. */
export async function startInProcess(
  flags: readonly string[],
  cwd: string,
  timeouts?: Timeouts,
): Promise<RunningServer> {
  const config = parseServeConfig(['--port', '0', '--metrics-port', '0', '--drain', '0', ...flags], {}, cwd);
  return startServe(config, silentLogger(), timeouts);
}

/** A Secret volume as kubelet writes it: files are symlinks through `..data`, swapped atomically. */
export class SecretDir {
  readonly dir: string;
  #n = 0;
  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }
  get certPath(): string {
    return join(this.dir, 'tls.crt');
  }
  get keyPath(): string {
    return join(this.dir, 'tls.key');
  }
  /** Writes a new timestamped dir, then renames a fresh `..data` symlink over the old one. */
  write(pair: PemPair): void {
    this.#n += 1;
    const version = `..2026_11_25_${this.#n}`;
    mkdirSync(join(this.dir, version));
    writeFileSync(join(this.dir, version, 'tls.crt'), pair.certPem);
    writeFileSync(join(this.dir, version, 'tls.key'), pair.keyPem);
    symlinkSync(version, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (this.#n === 1) {
      symlinkSync(join('..data', 'tls.crt'), this.certPath);
      symlinkSync(join('..data', 'tls.key'), this.keyPath);
    }
  }
}

/** A CA and a serving certificate for 127.0.0.1/localhost. */
export async function mintPair(days = 30): Promise<{ ca: CertificateAuthority; pair: PemPair }> {
  const ca = await createCertificateAuthority(`test CA ${Math.random().toString(36).slice(2, 8)}`);
  return { ca, pair: await issueServingCertificate(ca, ['localhost', '127.0.0.1'], { days }) };
}

/** The outcome of one HTTPS request. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly socket: TLSSocket;
  readonly fingerprint: string;
}

/** Set on request errors: true when the TLS connection was up (a request could be sent) before the error. */
export interface RequestError extends NodeJS.ErrnoException {
  established?: boolean;
}

/** One HTTPS request; `agent: false` forces a fresh connection. Errors carry `established`. */
export function send(
  port: number,
  opts: {
    path?: string;
    method?: string;
    body?: string;
    agent: Agent | false;
    ca: readonly string[];
    headers?: Record<string, string>;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path: opts.path ?? '/mutate?timeout=10s',
        method: opts.method ?? 'POST',
        agent: opts.agent,
        ca: [...opts.ca],
        headers: { 'content-type': 'application/json', ...(opts.headers ?? {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const socket = res.socket;
        if (!(socket instanceof TLSSocket)) throw new Error('not a TLS connection');
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
            socket,
            fingerprint,
          });
        });
        res.on('error', reject);
      },
    );
    let established = false;
    req.on('socket', (s) => {
      if (req.reusedSocket) established = true;
      else s.once('secureConnect', () => (established = true));
    });
    req.on('error', (e: RequestError) => {
      e.established = established;
      reject(e);
    });
    req.end(opts.body);
  });
}

/** Posts a pod CREATE review and checks the answer is a 200 with the uid echoed; returns the parsed response. */
export async function admit(
  port: number,
  agent: Agent | false,
  ca: readonly string[],
  review: Record<string, unknown> = reviewFor(aPod()),
): Promise<{ answer: Answer; response: Record<string, unknown>; ops: string }> {
  const uid = (review['request'] as { uid: string }).uid;
  const answer = await send(port, { agent, ca, body: JSON.stringify(review) });
  if (answer.status !== 200) throw new Error(`status ${answer.status}: ${answer.body.slice(0, 200)}`);
  const response = (JSON.parse(answer.body) as { response: Record<string, unknown> }).response;
  if (response['uid'] !== uid) throw new Error(`uid not echoed: ${String(response['uid'])}`);
  const patch = response['patch'];
  const ops = typeof patch === 'string' ? Buffer.from(patch, 'base64').toString('utf8') : '';
  return { answer, response, ops };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
