/**
 * What every kind of object declares: how to validate it and which objects it refers to.
 * Reachability (gc), fsck and repair follow `refs` and nothing else, so a kind's
 * references are written down once, next to its shape; the registry (index.ts) is typed
 * over every kind name, so a new kind does not compile until it is registered.
 *
 * JSON kinds carry `kind` and a schema version `v`. Objects written by layout 1 carried
 * `type` and no version; each kind reads them as its version 0.
 */
import { BazaarError } from '../../errors.js';
import { isObjectId } from '../layout.js';
import type { ObjectId } from '../layout.js';

export type KindName = 'blob' | 'tree' | 'package' | 'build' | 'channel' | 'pin' | 'layer' | 'image' | 'snippet' | 'group' | 'upstream';

/**
 * A reference from one object to another. `label` says what the referred object is to
 * the referrer ("file /usr/bin/bash", "rpm variant 2"); `segment` marks a label that is
 * one component of a path (tree entries), so messages can rebuild whole paths.
 */
/**
 * A reference from one object to another. `unpacked`: file contents at or below it may
 * be absent, as a package's files are until a layer needs them (they are in its .rpm).
 */
export interface KindRef { id: ObjectId; kind: KindName; label: string; segment?: boolean; unpacked?: boolean }

export interface Kind<T> {
  readonly name: KindName;
  /** The schema version written now. */
  readonly version: number;
  /** Validates a parsed JSON value (whose kind was checked); throws `invalid(...)`. */
  parse(value: Record<string, unknown>, id: ObjectId): T;
  refs(value: T): KindRef[];
  /** What the object is, for messages: "package bash-5.2-alt1.x86_64", "layer base@1.0.0". */
  title?(value: T): string;
}

/** The error for an object that decodes but is not a valid value of its kind. */
export function invalid(id: ObjectId, kind: KindName, why: string): BazaarError {
  return new BazaarError('ERR_STORE_OBJECT_CORRUPT', `object ${id} is not a valid ${kind}: ${why}`, { data: { id, kind } });
}

/** Field checks for `parse` implementations: each returns the value or throws `invalid`. */
export function fields(value: Record<string, unknown>, id: ObjectId, kind: KindName) {
  const fail = (name: string, what: string): never => { throw invalid(id, kind, `${name} is not ${what}`); };
  return {
    str(name: string): string { const v = value[name]; return typeof v === 'string' ? v : fail(name, 'a string'); },
    optStr(name: string): string | undefined { const v = value[name]; return v === undefined || v === null ? undefined : typeof v === 'string' ? v : fail(name, 'a string'); },
    num(name: string): number { const v = value[name]; return typeof v === 'number' && Number.isFinite(v) ? v : fail(name, 'a number'); },
    objectId(name: string): ObjectId { const v = value[name]; return typeof v === 'string' && isObjectId(v) ? v : fail(name, 'an object id'); },
    optObjectId(name: string): ObjectId | undefined {
      const v = value[name];
      return v === undefined || v === null ? undefined : typeof v === 'string' && isObjectId(v) ? v : fail(name, 'an object id');
    },
    array(name: string): unknown[] { const v = value[name]; return Array.isArray(v) ? v : fail(name, 'a list'); },
  };
}
