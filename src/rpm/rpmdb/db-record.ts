/**
 * What every database backend yields: one stored header blob per installed package, in
 * the form rpm's headerExport writes it (index count and data size, both big-endian, the
 * index entries and the data store; no magic).
 */
import { HEADER_DATA_MAX, HEADER_TAGS_MAX } from '../header.js';

export interface DbRecord {
  /** rpm's header number: sqlite's hnum, BerkeleyDB's key, ndb's package index. */
  hnum: number;
  blob: Uint8Array;
  /** Where the record starts in the file (for error messages). */
  offset: number;
}

/**
 * The largest blob any backend hands out: rpm's own header limits (lib/header.c,
 * hdrchkTags / hdrchkData) applied to an exported header (8 + 16 * il + dl bytes).
 */
export const BLOB_MAX = 8 + 16 * HEADER_TAGS_MAX + HEADER_DATA_MAX;
