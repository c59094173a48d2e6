/**
 * rpm's sqlite backend (rpm ≥ 4.16, lib/backend/sqlite.c): the table
 * `Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)` holds one
 * exported header per installed package; hnum is the rowid. This finds the table in the
 * schema (sqlite_schema, rooted at page 1) and yields its rows in hnum order.
 */
import type { DbRecord } from './db-record.js';
import { BLOB_MAX } from './db-record.js';
import { cellPayload, tableCells } from './sqlite-btree.js';
import { SqliteFile } from './sqlite-file.js';
import { blobValue, integerValue, recordColumns, textValue } from './sqlite-record.js';

/** A schema row is SQL text; no sane schema row is larger. */
const SCHEMA_ROW_MAX = 1024 * 1024;
/** The schema of a database written by rpm has about 70 rows; far more means damage. */
const SCHEMA_ROWS_MAX = 100_000;

/** Root page of the `Packages` table, from the sqlite_schema table. */
export async function packagesRoot(db: SqliteFile): Promise<number> {
  let rows = 0;
  for await (const cell of tableCells(db, 1)) {
    if (++rows > SCHEMA_ROWS_MAX) throw db.file.corrupt(cell.offset, `the schema has more than ${SCHEMA_ROWS_MAX} rows`);
    const payload = await cellPayload(db, cell, SCHEMA_ROW_MAX);
    const cols = recordColumns(payload);
    if (typeof cols === 'string') throw db.file.corrupt(cell.offset, `schema row ${cell.rowid}: ${cols}`);
    if (cols.length < 4) continue;
    if (textValue(payload, cols[0], db.encoding) !== 'table' || textValue(payload, cols[1], db.encoding) !== 'Packages') continue;
    const root = integerValue(payload, cols[3]);
    if (root === undefined || root < 1) throw db.file.corrupt(cell.offset, `the Packages table has an invalid root page (${root})`);
    return root;
  }
  throw db.file.corrupt(0, 'the database has no Packages table (not an rpm database?)');
}

/** Yields every row of the Packages table: hnum and the header blob. */
export async function* sqlitePackages(path: string): AsyncGenerator<DbRecord> {
  const db = await SqliteFile.open(path);
  try {
    const root = await packagesRoot(db);
    for await (const cell of tableCells(db, root)) {
      const payload = await cellPayload(db, cell, BLOB_MAX + 64);
      const cols = recordColumns(payload);
      if (typeof cols === 'string') throw db.file.corrupt(cell.offset, `Packages row ${cell.rowid}: ${cols}`, { hnum: cell.rowid });
      const blob = cols.length >= 2 ? blobValue(payload, cols[1]) : undefined;
      if (blob === undefined) throw db.file.corrupt(cell.offset, `Packages row ${cell.rowid} has no header blob`, { hnum: cell.rowid });
      yield { hnum: cell.rowid, blob, offset: cell.offset };
    }
  } finally {
    await db.close();
  }
}
