/**
 * What to run next, for the CLI only. The library's messages say what is wrong (and
 * carry the facts in `data`); the CLI appends the command that lists, makes or repairs
 * the thing, keyed by the error's reason (errors.ts: ErrorReason). The server adds none:
 * an HTTP client has no `bazaar` to run.
 */
import type { BazaarError, ErrorReason } from '../errors.js';

type Hint = (data: Record<string, unknown>) => string;

const HINTS: Partial<Record<ErrorReason, Hint>> = {
  'no-channel': (d) => `; 'bazaar channel ls' lists them, 'bazaar channel create ${String(d.channel)}' makes it`,
  'no-image': (d) => `; 'bazaar image ls' lists them, 'bazaar image create ${String(d.image)}@1.0.0 --layer ...' makes one`,
  'no-image-commit': () => "; 'bazaar image log NAME' lists them",
  'no-layer': () => "; 'bazaar layer ls' lists them",
  'no-package': (d) => (d.scope === 'channel' ? `; 'bazaar channel ls ${String(d.channel)}' lists it` : d.scope === 'pins' ? "; 'bazaar pin' lists them" : "; 'bazaar ls' lists what is there"),
  'no-provider': () => "; 'bazaar ls' lists what the store holds",
  'no-package-db': () => "; check an image out there with 'bazaar image checkout', or use --image NAME",
  'no-group': (d) => `; 'bazaar group ls' lists them, 'bazaar group set ${String(d.group)} NAME|GLOB...' defines it`,
  'no-token': () => "; 'bazaar token ls' lists them",
  'no-store': (d) => `; create one with 'bazaar init --store ${String(d.dir)}'`,
  'bad-revision': (d) => (d.channel !== undefined ? ` from 'bazaar channel log ${String(d.channel)}'` : `; 'bazaar image log ${String(d.image)}' lists them`),
  'image-exists': (d) => `; change it with 'bazaar image install|remove|upgrade-layer ${String(d.image)} ...'`,
  'has-children': () => "; 'bazaar unlink CHILD' first",
  'not-linked': (d) => `; 'bazaar link ${String(d.image)} PARENT --policy ${String(d.policy)}' links it`,
  'in-use': () => " ('bazaar channel remove', 'bazaar unpin')",
  'no-key': () => "; 'bazaar key ls' lists the trusted keys",
  'unsigned': (d) => `; sign it (rpmsign --addsign) or add it elsewhere ('bazaar channel set ${String(d.channel)} --require-signature off' lifts the rule)`,
  'untrusted-key': () => "; 'bazaar key import FILE.asc' trusts the signer's public key",
  'history-unreadable': () => "; 'bazaar fsck --repair' says how to repair it",
  'root-damaged': () => "; run 'bazaar fsck --repair' first",
};

/**
 * The error's message with the CLI's hint appended (the message alone when it has none).
 *
 * @example
 * withHint(new BazaarError('ERR_LAYER', 'no layer base', { reason: 'no-layer' })); // "no layer base; 'bazaar layer ls' lists them"
 */
export function withHint(err: BazaarError): string {
  const reason = err.reason;
  const hint = reason === undefined ? undefined : HINTS[reason];
  return hint ? `${err.message}${hint(err.data)}` : err.message;
}
