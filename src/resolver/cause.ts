/**
 * Why a clause exists: every clause the rule generator emits carries one Cause, and an
 * unsatisfiable problem is explained by the causes of an unsatisfiable subset of clauses.
 * A closed union: explain.ts renders it with one exhaustive switch, so a new cause does
 * not compile until it is explained.
 */
import type { Dependency } from '../rpm/index.js';
import type { Job } from './job.js';

export type Cause =
  /** The job asks for one of `candidates` (package ids). */
  | { kind: 'job'; job: Job; candidates: number[] }
  /** The job names something no installable package is called. */
  | { kind: 'noCandidates'; job: Job; otherArches: number[] }
  /** The job removes this installed package. */
  | { kind: 'erase'; job: Job; pkg: number }
  /** `pkg` requires `dep`; `providers` are the packages that would satisfy it (maybe none). */
  | { kind: 'requires'; pkg: number; dep: Dependency; providers: number[] }
  /** `pkg` conflicts with `dep`, which `others` provide. */
  | { kind: 'conflicts'; pkg: number; dep: Dependency; others: number[] }
  /** `pkg` obsoletes `dep`, which matches `other` by name and version. */
  | { kind: 'obsoletes'; pkg: number; dep: Dependency; other: number }
  /** Two builds of one name cannot be installed together (not a multiversion name). */
  | { kind: 'sameName'; a: number; b: number }
  /** An installed package stays unless replaced by one of `replacements`. */
  | { kind: 'keepInstalled'; pkg: number; replacements: number[] }
  /** An extra constraint (linked-image content policy, pins): says why, and what to do. */
  | { kind: 'policy'; policy: string; message: string; hint?: string; pkgs: number[] };

export type CauseKind = Cause['kind'];
