/**
 * Numeric owners for tree entries. Layers store numeric ids in text ("0"); package trees
 * store rpm's user and group names. Names are looked up in the image's own /etc/passwd
 * and /etc/group (the merged view), never the host's: that is what rpm does when it
 * installs into a root. A name the image does not know becomes root (0), as rpm does
 * ("user X does not exist - using root"), and is reported once.
 */
import type { ObjectId, ObjectReader } from '../store/index.js';
import { lookupMergedPath } from './lookup-merged-path.js';

const NUMERIC = /^\d{1,10}$/;
/** Linux's largest valid id; (uid_t)-1 means "no id". */
const MAX_ID = 0xfffffffe;

/** name -> id from an /etc/passwd or /etc/group text (the third field). */
function parseIdFile(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] && NUMERIC.test(f[2]) && !out.has(f[0])) out.set(f[0], Number(f[2]));
  }
  return out;
}

export class OwnerIds {
  private users: Map<string, number> | null = null;
  private groups: Map<string, number> | null = null;
  /** Names the image does not define, as `user NAME` / `group NAME`. */
  readonly unknown = new Set<string>();

  constructor(private readonly objects: ObjectReader, private readonly layerRoots: readonly ObjectId[]) {}

  /** True when `name` is not a number, so the tables must be loaded before `ids`. */
  static isName(name: string): boolean { return !NUMERIC.test(name); }

  get loaded(): boolean { return this.users !== null; }

  /** Reads the image's /etc/passwd and /etc/group (absent files: no names). */
  async load(): Promise<void> {
    const read = async (path: string): Promise<Map<string, number>> => {
      const e = await lookupMergedPath(this.objects, this.layerRoots, path);
      return e?.kind === 'file' && e.id ? parseIdFile((await this.objects.readBytes(e.id)).toString('utf8')) : new Map();
    };
    this.users = await read('etc/passwd');
    this.groups = await read('etc/group');
  }

  private one(name: string, table: Map<string, number> | null, what: string): number {
    if (!OwnerIds.isName(name)) {
      const n = Number(name);
      return n <= MAX_ID ? n : 0;
    }
    const id = name === 'root' ? 0 : table?.get(name);
    if (id !== undefined) return id;
    this.unknown.add(`${what} ${name}`);
    return 0;
  }

  /** The numeric owner of an entry; call `load` first when either is a name. */
  ids(user: string, group: string): { uid: number; gid: number } {
    return { uid: this.one(user, this.users, 'user'), gid: this.one(group, this.groups, 'group') };
  }
}
