/**
 * GET from an upstream repository, trusting nothing it sends: every body has a size cap
 * and a time cap (a whole-transfer deadline and an idle timeout), redirects are followed
 * only within the upstream's own origin (a redirect elsewhere is refused, so a mirror
 * reads only what its URL names), and a body shorter than its Content-Length is an
 * error. Each failure is one ERR_UPSTREAM line naming the URL.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { BazaarError } from '../errors.js';
import { noSpaceError, removeFile } from '../fs/index.js';

export interface FetchLimits {
  /** Bytes the body may have at most. */
  maxBytes: number;
  /** Milliseconds the whole transfer may take. */
  timeoutMs: number;
  /** Milliseconds without a byte before giving up. */
  idleMs: number;
}

const MAX_REDIRECTS = 5;

export function upstreamError(url: string, what: string, cause?: unknown): BazaarError {
  return new BazaarError('ERR_UPSTREAM', `${url}: ${what}`, { data: { url }, ...(cause === undefined ? {} : { cause }) });
}

/** A digest algorithm named as rpm-md names it (`sha` is sha1), or null when node has none. */
export function digestOf(type: string): Hash | null {
  const algo = type === 'sha' ? 'sha1' : type;
  if (!/^(sha1|sha224|sha256|sha384|sha512)$/.test(algo)) return null;
  return createHash(algo);
}

/**
 * Opens `url` and hands its body, chunk by chunk, to `onChunk`, within `limits`. `signal`
 * aborts it from outside (another download of the same sync failed).
 */
async function fetchBody(url: string, limits: FetchLimits, onChunk: (chunk: Uint8Array) => Promise<void> | void, signal?: AbortSignal): Promise<number> {
  const origin = new URL(url).origin;
  const abort = new AbortController();
  let why = '';
  const stop = (reason: string): void => { if (!why) why = reason; abort.abort(); };
  const deadline = setTimeout(() => stop(`timed out after ${limits.timeoutMs / 1000} s`), limits.timeoutMs);
  let idle = setTimeout(() => stop(`no data for ${limits.idleMs / 1000} s`), limits.idleMs);
  const onOuter = (): void => stop('cancelled');
  signal?.addEventListener('abort', onOuter);
  if (signal?.aborted) stop('cancelled');
  // Every wait races the abort: a body read that undici abandons on abort would
  // otherwise wait forever, with no timer left to end it.
  const aborted = new Promise<never>((_r, reject) => abort.signal.addEventListener('abort', () => reject(new Error(why || 'aborted'))));
  aborted.catch(() => {});
  const race = <T>(p: Promise<T>): Promise<T> => { p.catch(() => {}); return Promise.race([p, aborted]); };
  let current = url;
  try {
    let res: Response;
    for (let hops = 0; ; hops++) {
      try {
        res = await race(fetch(current, { redirect: 'manual', signal: abort.signal, headers: { 'accept-encoding': 'identity' } }));
      } catch (err) {
        throw upstreamError(current, why || `cannot connect: ${causeText(err)}`, err);
      }
      if (res.status < 300 || res.status >= 400) break;
      const location = res.headers.get('location');
      void res.body?.cancel().catch(() => {});
      if (!location) throw upstreamError(current, `HTTP ${res.status} redirect without a Location`);
      const next = new URL(location, current);
      if (next.origin !== origin) throw upstreamError(current, `redirects to ${next.origin}, another host; a mirror reads only from ${origin}`);
      if (hops >= MAX_REDIRECTS) throw upstreamError(url, `more than ${MAX_REDIRECTS} redirects`);
      current = next.href;
    }
    if (!res.ok) { void res.body?.cancel().catch(() => {}); throw upstreamError(current, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`); }
    const declared = res.headers.get('content-length');
    const expected = declared !== null && /^\d+$/.test(declared) ? Number(declared) : null;
    if (expected !== null && expected > limits.maxBytes) { void res.body?.cancel().catch(() => {}); throw upstreamError(current, `${expected} bytes is more than the ${limits.maxBytes} allowed`); }
    let got = 0;
    const reader = res.body?.getReader();
    try {
      for (; ;) {
        if (!reader) break;
        const { done, value: chunk } = await race(reader.read());
        if (done) break;
        got += chunk.length;
        if (got > limits.maxBytes) { stop(''); throw upstreamError(current, `the body is longer than the ${limits.maxBytes} bytes allowed`); }
        clearTimeout(idle);
        idle = setTimeout(() => stop(`no data for ${limits.idleMs / 1000} s`), limits.idleMs);
        await onChunk(chunk);
      }
    } catch (err) {
      reader?.cancel().catch(() => {});
      if (err instanceof BazaarError) throw err;
      throw upstreamError(current, why || `the transfer broke off after ${got} bytes: ${causeText(err)}`, err);
    }
    if (expected !== null && got !== expected) throw upstreamError(current, `truncated: ${got} of ${expected} bytes`);
    return got;
  } finally {
    clearTimeout(deadline);
    clearTimeout(idle);
    signal?.removeEventListener('abort', onOuter);
  }
}

function causeText(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** The whole body of a small document (repomd.xml, its signature). */
export async function fetchBytes(url: string, limits: FetchLimits, signal?: AbortSignal): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  await fetchBody(url, limits, (c) => { parts.push(c); }, signal);
  return Buffer.concat(parts);
}

/**
 * Downloads `url` into the new file `path`, checking the body's digest (`expect`, hex, in
 * the algorithm rpm-md named) before returning; on any failure the file is removed.
 */
export async function fetchToFile(url: string, path: string, expect: { type: string; value: string }, limits: FetchLimits, signal?: AbortSignal): Promise<number> {
  const hash = digestOf(expect.type);
  if (!hash) throw upstreamError(url, `checksum type '${expect.type}' is not one bazaar can check`);
  let fh;
  try { fh = await open(path, 'wx', 0o644); } catch (err) { throw noSpaceError(err, path); }
  let ok = false;
  try {
    const size = await fetchBody(url, limits, async (chunk) => {
      hash.update(chunk);
      try { await fh.write(chunk); } catch (err) { throw noSpaceError(err, path); }
    }, signal);
    const digest = hash.digest('hex');
    if (digest !== expect.value) throw upstreamError(url, `checksum mismatch: ${expect.type} ${digest}, the metadata says ${expect.value}`);
    ok = true;
    return size;
  } finally {
    await fh.close();
    if (!ok) removeFile(path);
  }
}
