/**
 * Channels that require signatures: a build enters one only when the .rpm the channel
 * will serve (its served variant, kinds/build.ts) passes `rpmkeys --checksig`'s checks
 * (rpm/checksig.ts) with a signature by a key of the store's keyring (keyring.ts). The
 * check runs in the transaction that changes the channel, so a refusal writes nothing.
 */
import { BazaarError } from '../errors.js';
import type { PgpKey } from '../pgp/index.js';
import { checksig } from '../rpm/index.js';
import type { ChecksigResult } from '../rpm/index.js';
import type { BuildEntry } from './builds.js';
import { servedVariant } from './kinds/build.js';
import { readKeyring } from './keyring.js';
import type { ObjectId } from './layout.js';
import type { ObjectReader } from './object-reader.js';

/** Verdicts already known by .rpm object id (an add judges its files before staging them). */
export type KnownVerdicts = ReadonlyMap<ObjectId, ChecksigResult>;

/** Why `verdict` does not make a package trusted, or null when it does. */
export function untrustedReason(verdict: ChecksigResult): { reason: 'unsigned' | 'untrusted-key' | 'bad-signature'; text: string; keyId: string | null } | null {
  const good = verdict.signatures.some((s) => s.status === 'OK');
  if (good && verdict.ok) return null;
  if (verdict.error) return { reason: 'bad-signature', text: `cannot be read (${verdict.error})`, keyId: null };
  if (verdict.signatures.length === 0) return { reason: 'unsigned', text: 'is not signed', keyId: null };
  const nokey = verdict.signatures.find((s) => s.status === 'NOKEY');
  if (!good && nokey) return { reason: 'untrusted-key', text: `is signed by key ${nokey.keyId}, which is not a trusted key`, keyId: nokey.keyId ?? null };
  const bad = verdict.items.find((i) => i.status !== 'OK') ?? verdict.signatures.find((s) => s.status !== 'OK');
  const keyId = verdict.signatures.find((s) => s.keyId)?.keyId ?? null;
  return { reason: 'bad-signature', text: `fails rpm's checks (${verdict.verdict}${bad ? `: ${bad.description}: ${bad.status}` : ''})`, keyId };
}

/** The verdict on a stored .rpm with `keys`. */
export function storedVerdict(reader: ObjectReader, rpm: ObjectId, keys: readonly PgpKey[]): Promise<ChecksigResult> {
  return checksig(reader.stream(rpm), keys, rpm);
}

/** Refuses (ERR_SIGNATURE, naming the package and the key) the first build that channel `name` may not take. */
export async function requireSignedBuilds(root: string, reader: ObjectReader, name: string, builds: readonly BuildEntry[], known?: KnownVerdicts): Promise<void> {
  if (builds.length === 0) return;
  const keys = await readKeyring(root);
  for (const b of builds) {
    const variant = servedVariant(await reader.readKind(b.value, 'build'));
    const verdict = known?.get(variant.rpm) ?? await storedVerdict(reader, variant.rpm, keys);
    const why = untrustedReason(verdict);
    if (why) {
      throw new BazaarError('ERR_SIGNATURE', `channel ${name} takes only packages signed by a trusted key: ${b.nevra} ${why.text}`,
        { data: { channel: name, nevra: b.nevra, key: why.keyId, verdict: verdict.verdict }, reason: why.reason });
    }
  }
}
