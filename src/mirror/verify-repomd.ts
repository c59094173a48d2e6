/**
 * A signed upstream: `repodata/repomd.xml.asc`, a detached OpenPGP signature of
 * repomd.xml, must verify with the mirror's key before anything else of the upstream is
 * read (repomd names primary by checksum, primary names every .rpm by checksum: one good
 * signature vouches for the whole chain, as dnf's repo_gpgcheck does).
 */
import { readPublicKeys, verifyDetached } from '../pgp/index.js';
import { fetchBytes, upstreamError } from './fetch-upstream.js';
import type { UpstreamRepomd } from './upstream-metadata.js';
import type { MirrorLimits } from './upstream-metadata.js';

export async function verifyRepomd(repomd: UpstreamRepomd, armoredKey: string, limits: MirrorLimits): Promise<void> {
  const url = `${repomd.url}.asc`;
  const signature = await fetchBytes(url, { ...limits.repomd, maxBytes: Math.min(limits.repomd.maxBytes, 64 << 10) });
  const keys = await readPublicKeys(armoredKey, 'the mirror\'s key');
  const verdict = await verifyDetached(repomd.bytes, signature, keys);
  if (!verdict.ok) {
    throw upstreamError(repomd.url, `the signature ${url} does not verify with the mirror's key (${verdict.reason ?? verdict.status}${verdict.keyId ? `, key ${verdict.keyId}` : ''}); refusing the upstream`);
  }
}
