/**
 * The CLI's V8 flags, set when a command is about to run rather than at start: a set flag
 * changes V8's flag hash, and Node then compiles every built-in module it loads afterwards
 * from source instead of from its embedded code cache (35 M instructions, about a fifth
 * of what a `bazaar show` costs beyond `node -e 0`). code-cache.ts compiles our chunks
 * and writes their caches with the flags reset, so one cache serves either way.
 */
import { setFlagsFromString } from 'node:v8';

/** Where the flags set are recorded for code-cache.ts (a separate bundle: a global, by Symbol.for). */
export const V8_FLAGS_KEY = Symbol.for('bazaar.v8-flags');

/** A flag as set, and the setting that restores V8's default (and so its flag hash). */
export interface V8Flags { set: string; reset: string }

/**
 * Loading a large universe or index allocates millions of short-lived objects: a larger
 * young generation turns most of V8's scavenges (a third of a warm resolve) into none.
 */
export const LARGE_YOUNG_GENERATION: V8Flags = { set: '--max-semi-space-size=64', reset: '--max-semi-space-size=0' };

/** The flags set in this process, if any. */
export function flagsInForce(): V8Flags | undefined {
  return (globalThis as Record<symbol, V8Flags | undefined>)[V8_FLAGS_KEY];
}

/** Sets the larger young generation for the rest of the process (once). */
export function useLargeYoungGeneration(): void {
  if (flagsInForce()) return;
  setFlagsFromString(LARGE_YOUNG_GENERATION.set);
  (globalThis as Record<symbol, V8Flags | undefined>)[V8_FLAGS_KEY] = LARGE_YOUNG_GENERATION;
}

/** Runs `f` with V8's flags at their defaults (a compile that checks or makes a code cache), then sets them again. */
export function withDefaultV8Flags<T>(f: () => T): T {
  const flags = flagsInForce();
  if (!flags) return f();
  setFlagsFromString(flags.reset);
  try { return f(); } finally { setFlagsFromString(flags.set); }
}
