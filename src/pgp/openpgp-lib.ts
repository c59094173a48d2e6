/**
 * OpenPGP.js, loaded on first use: its 1.7 MB module costs every command that merely
 * might check a signature (`show`, `add`) tens of milliseconds of start-up otherwise.
 */
type OpenPgp = typeof import('openpgp');

let loading: Promise<OpenPgp> | null = null;

export function openpgpLib(): Promise<OpenPgp> {
  loading ??= import('openpgp');
  return loading;
}
