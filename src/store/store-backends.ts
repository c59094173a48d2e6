/**
 * Which backends keep a store's objects, its state and its history: files under the
 * store's directory by default (fs-object-backend.ts, fs-state-backend.ts,
 * history/fs-history-backend.ts); a program may pass others (MemoryObjectBackend,
 * MemoryStateBackend; S3ObjectBackend, PgStateBackend, PgHistoryBackend: docs/engines.md).
 * The lock, the readers' leases and derived caches stay in the directory whatever the
 * backends.
 *
 * The store's marker records a kind that is not files (`{"layout":4,"objects":"memory"}`),
 * so that a store is opened only with backends of the kinds it was made with, and one
 * whose objects or state were kept in memory is not opened again at all: they went with
 * the program that made it, and what is left in the directory would read as damage.
 */
import { BazaarError } from '../errors.js';
import { FsObjectBackend } from './fs-object-backend.js';
import { FsStateBackend } from './fs-state-backend.js';
import { FsHistoryBackend } from './history/fs-history-backend.js';
import type { HistoryBackend } from './history/history-backend.js';
import { gitDir } from './layout.js';
import type { ObjectBackend } from './object-backend.js';
import type { StateBackend } from './state-backend.js';

export interface StoreBackends {
  /** Where object bytes live (default: files under the store's directory). */
  objectBackend?: ObjectBackend;
  /** Where the state lives (default: `state/` under the store's directory). */
  stateBackend?: StateBackend;
  /** Where git objects and refs live (default: `refs.git` under the store's directory). */
  historyBackend?: HistoryBackend;
}

export interface ChosenBackends { objects: ObjectBackend; states: StateBackend; history: HistoryBackend }

const FILES = 'files';
const MEMORY = 'memory';

/** The backends a store in `dir` uses: those given, files for the rest. */
export function chooseBackends(dir: string, given: StoreBackends): ChosenBackends {
  return {
    objects: given.objectBackend ?? new FsObjectBackend(dir),
    states: given.stateBackend ?? new FsStateBackend(dir),
    history: given.historyBackend ?? new FsHistoryBackend(gitDir(dir), dir),
  };
}

/** What a new store's marker records of its backends: the kinds that are not files. */
export function recordedKinds(backends: ChosenBackends): { objects?: string; states?: string; history?: string } {
  return {
    ...(backends.objects.kind === FILES ? {} : { objects: backends.objects.kind }),
    ...(backends.states.kind === FILES ? {} : { states: backends.states.kind }),
    ...(backends.history.kind === FILES ? {} : { history: backends.history.kind }),
  };
}

/** Refuses to open a store with backends of other kinds than its marker records, or one that lived in memory. */
export function checkKinds(dir: string, marker: { objects?: unknown; states?: unknown; history?: unknown }, backends: ChosenBackends): void {
  const parts = [
    { what: 'objects', recorded: typeof marker.objects === 'string' ? marker.objects : FILES, given: backends.objects.kind, option: 'objectBackend' },
    { what: 'state', recorded: typeof marker.states === 'string' ? marker.states : FILES, given: backends.states.kind, option: 'stateBackend' },
    { what: 'history', recorded: typeof marker.history === 'string' ? marker.history : FILES, given: backends.history.kind, option: 'historyBackend' },
  ];
  const gone = parts.filter((p) => p.recorded === MEMORY).map((p) => p.what);
  if (gone.length) {
    const plural = gone.length > 1 || gone[0] === 'objects';
    throw new BazaarError('ERR_STORE_LAYOUT', `${dir} is a store whose ${gone.join(' and ')} ${plural ? 'were' : 'was'} kept in memory by the program that made it; ${plural ? 'they are' : 'it is'} gone with that program, so the store cannot be opened again: remove the directory`, { data: { dir, memory: gone } });
  }
  for (const p of parts) {
    if (p.recorded === p.given) continue;
    const how = p.recorded === FILES ? `without ${p.option}` : `with a ${p.recorded} ${p.option}`;
    throw new BazaarError('ERR_USAGE', `${dir} keeps its ${p.what} in ${p.recorded}, not in ${p.given}: open it ${how}`, { data: { dir, [p.what]: p.recorded } });
  }
}
