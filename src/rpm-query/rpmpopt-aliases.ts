/**
 * The query options rpm defines as popt aliases (/usr/lib/rpm/rpmpopt-4.18.0): each
 * expands to a `--qf FORMAT` (plus, for --last and --dupes, an output filter rpm runs
 * through `--pipe`). Written here as bazaar's own definitions; the oracle tests check
 * each against rpm's alias, byte for byte.
 */

/** rpm's scriptlet kinds in --scripts order: tag stem and the word rpm prints. */
const SCRIPTS: ReadonlyArray<readonly [string, string]> = [
  ['PRETRANS', 'pretrans'], ['PREIN', 'preinstall'], ['POSTIN', 'postinstall'], ['PREUN', 'preuninstall'],
  ['POSTUN', 'postuninstall'], ['POSTTRANS', 'posttrans'], ['VERIFYSCRIPT', 'verify'],
];

/** --scripts: each scriptlet with its interpreter, or the bare interpreter when there is no body. */
const SCRIPTS_FORMAT = SCRIPTS.map(([tag, word]) => `%|${tag}?{${word} scriptlet`
  + `%|${tag}PROG?{ (using[ %{${tag}PROG}])}|:\\n%{${tag}}\\n}:`
  + `{%|${tag}PROG?{${word} program:[ %{${tag}PROG}]\\n}|}|`).join('');

const dependencyFormat = (kind: string): string => `[%|VERBOSE?{%{${kind}FLAGS:deptype}: }:{}|%{${kind}NEVRS}\\n]`;

const INFO_FORMAT = [
  'Name        : %{NAME}\\n',
  '%|EPOCH?{Epoch       : %{EPOCH}\\n}|',
  'Version     : %{VERSION}\\n',
  'Release     : %{RELEASE}\\n',
  '%|DISTTAG?{DistTag     : %{DISTTAG}\\n}|',
  'Architecture: %{ARCH}\\n',
  'Install Date: %|INSTALLTIME?{%{INSTALLTIME:date}}:{(not installed)}|\\n',
  'Group       : %{GROUP}\\n',
  'Size        : %{LONGSIZE}\\n',
  '%|LICENSE?{License     : %{LICENSE}}|\\n',
  'Signature   : %|DSAHEADER?{%{DSAHEADER:pgpsig}}:{%|RSAHEADER?{%{RSAHEADER:pgpsig}}:{%|SIGGPG?{%{SIGGPG:pgpsig}}:{%|SIGPGP?{%{SIGPGP:pgpsig}}:{(none)}|}|}|}|\\n',
  'Source RPM  : %{SOURCERPM}\\n',
  'Build Date  : %{BUILDTIME:date}\\n',
  'Build Host  : %{BUILDHOST}\\n',
  '%|PREFIXES?{Relocations : [%{PREFIXES} ]\\n}|',
  '%|PACKAGER?{Packager    : %{PACKAGER}\\n}|',
  '%|VENDOR?{Vendor      : %{VENDOR}\\n}|',
  '%|URL?{URL         : %{URL}\\n}|',
  '%|BUGURL?{Bug URL     : %{BUGURL}\\n}|',
  'Summary     : %{SUMMARY}\\n',
  'Description :\\n%{DESCRIPTION}\\n',
].join('');

const TRIGGERS_FORMAT = '[trigger%{TRIGGERTYPE} scriptlet (using %{TRIGGERSCRIPTPROG}) -- %{TRIGGERCONDS}\\n%{TRIGGERSCRIPTS}\\n]';
const FILE_TRIGGERS_FORMAT = '[filetrigger%{FILETRIGGERTYPE} scriptlet (using %{FILETRIGGERSCRIPTPROG}) -- %{FILETRIGGERCONDS}\\n%{FILETRIGGERSCRIPTS}\\n]'
  + '[transfiletrigger%{TRANSFILETRIGGERTYPE} scriptlet (using %{TRANSFILETRIGGERSCRIPTPROG}) -- %{TRANSFILETRIGGERCONDS}\\n%{TRANSFILETRIGGERSCRIPTS}\\n]';

/** An output filter rpm applies through `--pipe`. */
export type PipeFilter = 'last' | 'dupes';

export interface Alias { format: string; pipe?: PipeFilter }

/** Long (and the two short) query aliases rpm defines, to their expansions. */
export const QUERY_ALIASES: Readonly<Record<string, Alias>> = {
  '--scripts': { format: SCRIPTS_FORMAT },
  '--conflicts': { format: dependencyFormat('CONFLICT') },
  '--obsoletes': { format: dependencyFormat('OBSOLETE') },
  '--provides': { format: dependencyFormat('PROVIDE') },
  '-P': { format: dependencyFormat('PROVIDE') },
  '--requires': { format: dependencyFormat('REQUIRE') },
  '-R': { format: dependencyFormat('REQUIRE') },
  '--recommends': { format: dependencyFormat('RECOMMEND') },
  '--suggests': { format: dependencyFormat('SUGGEST') },
  '--supplements': { format: dependencyFormat('SUPPLEMENT') },
  '--enhances': { format: dependencyFormat('ENHANCE') },
  '--info': { format: INFO_FORMAT },
  '--changelog': { format: '[* %{CHANGELOGTIME:day} %{CHANGELOGNAME}\\n%{CHANGELOGTEXT}\\n\\n]' },
  '--changes': { format: '[* %{CHANGELOGTIME:date} %{CHANGELOGNAME}\\n%{CHANGELOGTEXT}\\n\\n]' },
  '--xml': { format: '[%{*:xml}\\n]' },
  '--triggerscripts': { format: TRIGGERS_FORMAT },
  '--triggers': { format: TRIGGERS_FORMAT },
  '--filetriggerscripts': { format: FILE_TRIGGERS_FORMAT },
  '--filetriggers': { format: FILE_TRIGGERS_FORMAT },
  '--last': { format: '%|INSTALLTIME?{%{INSTALLTIME}}:{000000000}| %{NVRA} %|INSTALLTIME?{%{INSTALLTIME:date}}:{(not installed)}|\\n', pipe: 'last' },
  '--dupes': { format: '%|SOURCERPM?{%{name}.%{arch}}:{%|ARCH?{%{name}}:{%{name}-%{version}}|}|\\n', pipe: 'dupes' },
  '--filesbypkg': { format: '[%-25{=NAME} %{FILENAMES}\\n]' },
  '--fileclass': { format: '[%{FILENAMES}\\t%{FILECLASS}\\n]' },
  '--filecolor': { format: '[%{FILENAMES}\\t%{FILECOLORS}\\n]' },
  '--fileprovide': { format: '[%{FILENAMES}\\t%{FILEPROVIDE}\\n]' },
  '--filerequire': { format: '[%{FILENAMES}\\t%{FILEREQUIRE}\\n]' },
  '--filecaps': { format: '[%{FILENAMES}\\t%|FILECAPS?{%{FILECAPS}}|\\n]' },
};

/**
 * rpm's `--pipe` filters, done in process. `last` is rpmpopt's
 * `LC_NUMERIC=C sort -r -n | sed 's,^[0-9]\+ ,,' | awk '{printf("%-45s %-s\n", $1, substr($0,length($1)+2))}'`;
 * `dupes` is `sort | uniq -d`. Both work on the whole output's lines (byte strings).
 */
export function applyPipe(filter: PipeFilter, text: string): string {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (filter === 'dupes') {
    lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return lines.filter((l, i) => lines[i + 1] === l && lines[i - 1] !== l).map((l) => `${l}\n`).join('');
  }
  const key = (l: string): number => { const m = /^\s*(-?\d+(\.\d+)?)/.exec(l); return m ? Number(m[1]) : 0; };
  lines.sort((a, b) => key(b) - key(a) || (a < b ? 1 : a > b ? -1 : 0));
  return lines.map((l) => {
    const s = l.replace(/^[0-9]+ /, '');
    const m = /^[ \t]*(\S*)/.exec(s)!;
    const first = m[1];
    const rest = s.slice(first.length + 1);
    return `${first.padEnd(45, ' ')} ${rest}\n`;
  }).join('');
}
