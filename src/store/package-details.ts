/**
 * What `bazaar show --json` and the server's `/v1/packages/<ref>` answer for one package,
 * and what `bazaar versions --json` and `/v1/packages/<name>/versions` answer for a
 * name: one function each, so the CLI and the HTTP API cannot drift apart.
 */
import { BazaarError } from '../errors.js';
import { sortNewestFirst } from '../policy/index.js';
import type { Build, OrderOptions } from '../policy/index.js';
import type { BranchView } from './branch-view.js';
import { checkPackageRef, entriesNamed } from './builds.js';
import { channelSettings, channelsHolding, orderOf } from './channels.js';
import { servedVariant } from './kinds/build.js';
import type { BuildRecord } from './kinds/build.js';
import type { PackageManifest } from './kinds/package.js';
import { readKeyring } from './keyring.js';
import { listPins } from './pins.js';
import { storedVerdict } from './signed-builds.js';
import { PACKAGES_BRANCH } from './ref-paths.js';
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
  const keys = await readKeyring(store.dir);
  const out: Array<Record<string, unknown>> = [];
  for (const v of b.variants) {
    const verdict = await storedVerdict(store, v.rpm, keys);
    const signers = verdict.signatures.map((s) => ({ keyId: s.keyId ?? null, signature: s.description, status: s.status, verified: s.status === 'OK' }));
    out.push({ ...v, signers, verdict: verdict.verdict });
  }
  return out;
}

export interface VersionRow { nevra: string; id: string; channels: string[]; pinned: boolean; pinReason?: string }

/** Every stored build of `name`, newest first (by `channel`'s order when given), with the channels holding each and its pin. */
export async function packageVersions(store: Store, view: BranchView, name: string, channel?: string): Promise<VersionRow[]> {
  const order: OrderOptions = channel === undefined ? {} : orderOf((await channelSettings(store, view, channel)).settings);
  const stored = await entriesNamed(view, PACKAGES_BRANCH, checkPackageRef(name));
  if (stored.length === 0) throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `no build of ${name} in the store`, { data: { name, scope: 'store' }, reason: 'no-package' });
  const builds: Array<Build & { nevra: string; key: string }> = [];
  for (const p of stored) {
    const r = await store.build(p.value);
    builds.push({ name, epoch: r.epoch, version: r.version, release: r.release, arch: r.arch, id: r.header, disttag: r.disttag, buildtime: r.buildtime, nevra: r.nevra, key: p.key });
  }
  const holding = await channelsHolding(store, view);
  const pins = new Map((await listPins(store, view)).map((p) => [p.key, p]));
  return sortNewestFirst(builds, order).map((b) => ({
    nevra: b.nevra, id: b.id,
    channels: (holding.get(b.key) ?? []).map((h) => h.channel),
    pinned: pins.has(b.key), ...(pins.has(b.key) ? { pinReason: pins.get(b.key)?.reason ?? '' } : {}),
  }));
}
