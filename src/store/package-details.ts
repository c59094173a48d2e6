/**
 * What `bazaar show --json` and the server's `/v1/packages/<ref>` answer for one package
 * (what they answer for a name's versions is package-versions.ts's): one function, so the
 * CLI and the HTTP API cannot drift apart.
 */
import type { BranchView } from './branch-view.js';
import { servedVariant } from './kinds/build.js';
import type { BuildRecord } from './kinds/build.js';
import type { PackageManifest } from './kinds/package.js';
import type { Store } from './store.js';

/**
 * One package as `show --json` prints it, plus the manifest and record it came from (for
 * the text form, which passes `judge: false`: judging every variant's signatures reads
 * each whole .rpm, and the text form does not print them; `json.variants` then lacks
 * `signers` and `verdict`).
 */
export async function packageDetails(store: Store, view: BranchView, ref: string, options: { judge?: boolean } = {}): Promise<{ json: Record<string, unknown>; manifest: PackageManifest; build: BuildRecord }> {
  const found = await store.findPackage(view, ref);
  const b = found.build;
  // The record names its manifest's object id: read it as such (store.manifest also
  // accepts a build id, which costs a whole package-index read to rule out).
  const m = await store.readKind(b.manifest, 'package');
  const { kind: _kind, v: _v, rpm: _rpm, rpmSize: _size, header: _header, ...rest } = m;
  const served = servedVariant(b);
  return {
    json: { ...rest, id: b.header, rpm: served.rpm, rpmSize: served.size, variants: options.judge === false ? b.variants : await judgedVariants(store, b), manifest: b.manifest, record: found.value },
    manifest: m,
    build: b,
  };
}

/**
 * The build's variants, each with its signatures judged with the store's trusted keys
 * (`signers`: key id, rpm's description, rpm's status, whether it verifies) and rpm's
 * one-line verdict on the whole .rpm.
 */
async function judgedVariants(store: Store, b: BuildRecord): Promise<Array<Record<string, unknown>>> {
  // the signature checks (rpm's, pgp) are loaded here only: the text form never judges
  const [{ readKeyring }, { storedVerdict }] = await Promise.all([import('./keyring.js'), import('./signed-builds.js')]);
  const keys = await readKeyring(store.dir);
  const out: Array<Record<string, unknown>> = [];
  for (const v of b.variants) {
    const verdict = await storedVerdict(store, v.rpm, keys);
    const signers = verdict.signatures.map((s) => ({ keyId: s.keyId ?? null, signature: s.description, status: s.status, verified: s.status === 'OK' }));
    out.push({ ...v, signers, verdict: verdict.verdict });
  }
  return out;
}
