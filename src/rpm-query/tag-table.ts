/**
 * rpm 4.18's tag names (lib/rpmtag.h, as `rpm -v --querytags` lists them): name, number
 * and entry type. Aliases (`N`, `PROVIDES`, `FILEMD5S`...) are rows of their own, as in
 * rpm's table. test/rpm-query/tag-table.test.ts checks this list against the installed
 * rpm, so a newer rpm's additions show up as a failing test, not a silent gap.
 */
import { TagType } from '../rpm/index.js';

/** [name, number, TagType] rows; type 0 for the header-internal region tags. */
const ROWS: ReadonlyArray<readonly [string, number, number]> = [
  ['ARCH', 1022, 6], ['ARCHIVESIZE', 1046, 4], ['ARCHSUFFIX', 5098, 6], ['BASENAMES', 1117, 8],
  ['BUGURL', 5012, 6], ['BUILDARCHS', 1089, 8], ['BUILDHOST', 1007, 6], ['BUILDTIME', 1006, 4], ['C', 1054, 8],
  ['CHANGELOGNAME', 1081, 8], ['CHANGELOGTEXT', 1082, 8], ['CHANGELOGTIME', 1080, 4], ['CLASSDICT', 1142, 8],
  ['CONFLICTFLAGS', 1053, 4], ['CONFLICTNAME', 1054, 8], ['CONFLICTNEVRS', 5044, 8], ['CONFLICTS', 1054, 8],
  ['CONFLICTVERSION', 1055, 8], ['COOKIE', 1094, 6], ['DBINSTANCE', 1195, 4], ['DEPENDSDICT', 1145, 4],
  ['DESCRIPTION', 1005, 9], ['DIRINDEXES', 1116, 4], ['DIRNAMES', 1118, 8], ['DISTRIBUTION', 1010, 6],
  ['DISTTAG', 1155, 6], ['DISTURL', 1123, 6], ['DSAHEADER', 267, 7], ['E', 1003, 4], ['ENCODING', 5062, 6],
  ['ENHANCEFLAGS', 5057, 4], ['ENHANCENAME', 5055, 8], ['ENHANCENEVRS', 5061, 8], ['ENHANCES', 5055, 8],
  ['ENHANCEVERSION', 5056, 8], ['EPOCH', 1003, 4], ['EPOCHNUM', 5019, 4], ['EVR', 5013, 6],
  ['EXCLUDEARCH', 1059, 8], ['EXCLUDEOS', 1060, 8], ['EXCLUSIVEARCH', 1061, 8], ['EXCLUSIVEOS', 1062, 8],
  ['FILECAPS', 5010, 8], ['FILECLASS', 1141, 4], ['FILECOLORS', 1140, 4], ['FILECONTEXTS', 1147, 8],
  ['FILEDEPENDSN', 1144, 4], ['FILEDEPENDSX', 1143, 4], ['FILEDEVICES', 1095, 4], ['FILEDIGESTALGO', 5011, 4],
  ['FILEDIGESTS', 1035, 8], ['FILEFLAGS', 1037, 4], ['FILEGROUPNAME', 1040, 8], ['FILEINODES', 1096, 4],
  ['FILELANGS', 1097, 8], ['FILELINKTOS', 1036, 8], ['FILEMD5S', 1035, 8], ['FILEMODES', 1030, 3],
  ['FILEMTIMES', 1034, 4], ['FILENAMES', 5000, 8], ['FILENLINKS', 5045, 4], ['FILEPROVIDE', 5001, 8],
  ['FILERDEVS', 1033, 3], ['FILEREQUIRE', 5002, 8], ['FILESIGNATURELENGTH', 5091, 4],
  ['FILESIGNATURES', 5090, 8], ['FILESIZES', 1028, 4], ['FILESTATES', 1029, 1], ['FILETRIGGERCONDS', 5086, 8],
  ['FILETRIGGERFLAGS', 5072, 4], ['FILETRIGGERINDEX', 5070, 4], ['FILETRIGGERNAME', 5069, 8],
  ['FILETRIGGERPRIORITIES', 5084, 4], ['FILETRIGGERSCRIPTFLAGS', 5068, 4], ['FILETRIGGERSCRIPTPROG', 5067, 8],
  ['FILETRIGGERSCRIPTS', 5066, 8], ['FILETRIGGERTYPE', 5087, 8], ['FILETRIGGERVERSION', 5071, 8],
  ['FILEUSERNAME', 1039, 8], ['FILEVERIFYFLAGS', 1045, 4], ['FSCONTEXTS', 1148, 8], ['GIF', 1012, 7],
  ['GROUP', 1016, 9], ['HDRID', 269, 6], ['HEADERCOLOR', 5017, 4], ['HEADERI18NTABLE', 100, 8],
  ['HEADERIMAGE', 61, 0], ['HEADERIMMUTABLE', 63, 0], ['HEADERREGIONS', 64, 0], ['HEADERSIGNATURES', 62, 0],
  ['ICON', 1043, 7], ['INSTALLCOLOR', 1127, 4], ['INSTALLTID', 1128, 4], ['INSTALLTIME', 1008, 4],
  ['INSTFILENAMES', 5040, 8], ['INSTPREFIXES', 1099, 8], ['LICENSE', 1014, 6], ['LONGARCHIVESIZE', 271, 5],
  ['LONGFILESIZES', 5008, 5], ['LONGSIGSIZE', 270, 5], ['LONGSIZE', 5009, 5], ['MODULARITYLABEL', 5096, 6],
  ['N', 1000, 6], ['NAME', 1000, 6], ['NEVR', 5015, 6], ['NEVRA', 5016, 6], ['NOPATCH', 1052, 4],
  ['NOSOURCE', 1051, 4], ['NVR', 5014, 6], ['NVRA', 1196, 6], ['O', 1090, 8], ['OBSOLETEFLAGS', 1114, 4],
  ['OBSOLETENAME', 1090, 8], ['OBSOLETENEVRS', 5043, 8], ['OBSOLETES', 1090, 8], ['OBSOLETEVERSION', 1115, 8],
  ['OLDENHANCES', 1159, 8], ['OLDENHANCESFLAGS', 1161, 4], ['OLDENHANCESNAME', 1159, 8],
  ['OLDENHANCESVERSION', 1160, 8], ['OLDFILENAMES', 1027, 8], ['OLDSUGGESTS', 1156, 8],
  ['OLDSUGGESTSFLAGS', 1158, 4], ['OLDSUGGESTSNAME', 1156, 8], ['OLDSUGGESTSVERSION', 1157, 8],
  ['OPTFLAGS', 1122, 6], ['ORDERFLAGS', 5037, 4], ['ORDERNAME', 5035, 8], ['ORDERVERSION', 5036, 8],
  ['ORIGBASENAMES', 1120, 8], ['ORIGDIRINDEXES', 1119, 4], ['ORIGDIRNAMES', 1121, 8],
  ['ORIGFILENAMES', 5007, 8], ['OS', 1021, 6], ['P', 1047, 8], ['PACKAGER', 1015, 6], ['PATCH', 1019, 8],
  ['PATCHESFLAGS', 1134, 4], ['PATCHESNAME', 1133, 8], ['PATCHESVERSION', 1135, 8],
  ['PAYLOADCOMPRESSOR', 1125, 6], ['PAYLOADDIGEST', 5092, 8], ['PAYLOADDIGESTALGO', 5093, 4],
  ['PAYLOADDIGESTALT', 5097, 8], ['PAYLOADFLAGS', 1126, 6], ['PAYLOADFORMAT', 1124, 6], ['PKGID', 261, 7],
  ['PLATFORM', 1132, 6], ['POLICIES', 1150, 8], ['POLICYFLAGS', 5033, 4], ['POLICYNAMES', 5030, 8],
  ['POLICYTYPES', 5031, 8], ['POLICYTYPESINDEXES', 5032, 4], ['POSTIN', 1024, 6], ['POSTINFLAGS', 5021, 4],
  ['POSTINPROG', 1086, 8], ['POSTTRANS', 1152, 6], ['POSTTRANSFLAGS', 5025, 4], ['POSTTRANSPROG', 1154, 8],
  ['POSTUN', 1026, 6], ['POSTUNFLAGS', 5023, 4], ['POSTUNPROG', 1088, 8], ['PREFIXES', 1098, 8],
  ['PREIN', 1023, 6], ['PREINFLAGS', 5020, 4], ['PREINPROG', 1085, 8], ['PRETRANS', 1151, 6],
  ['PRETRANSFLAGS', 5024, 4], ['PRETRANSPROG', 1153, 8], ['PREUN', 1025, 6], ['PREUNFLAGS', 5022, 4],
  ['PREUNPROG', 1087, 8], ['PROVIDEFLAGS', 1112, 4], ['PROVIDENAME', 1047, 8], ['PROVIDENEVRS', 5042, 8],
  ['PROVIDES', 1047, 8], ['PROVIDEVERSION', 1113, 8], ['PUBKEYS', 266, 8], ['R', 1002, 6],
  ['RECOMMENDFLAGS', 5048, 4], ['RECOMMENDNAME', 5046, 8], ['RECOMMENDNEVRS', 5058, 8],
  ['RECOMMENDS', 5046, 8], ['RECOMMENDVERSION', 5047, 8], ['RECONTEXTS', 1149, 8], ['RELEASE', 1002, 6],
  ['REMOVETID', 1129, 4], ['REQUIREFLAGS', 1048, 4], ['REQUIRENAME', 1049, 8], ['REQUIRENEVRS', 5041, 8],
  ['REQUIRES', 1049, 8], ['REQUIREVERSION', 1050, 8], ['RPMVERSION', 1064, 6], ['RSAHEADER', 268, 7],
  ['SHA1HEADER', 269, 6], ['SHA256HEADER', 273, 6], ['SIGGPG', 262, 7], ['SIGMD5', 261, 7], ['SIGPGP', 259, 7],
  ['SIGSIZE', 257, 4], ['SIZE', 1009, 4], ['SOURCE', 1018, 8], ['SOURCEPACKAGE', 1106, 4],
  ['SOURCEPKGID', 1146, 7], ['SOURCERPM', 1044, 6], ['SPEC', 5099, 6], ['SUGGESTFLAGS', 5051, 4],
  ['SUGGESTNAME', 5049, 8], ['SUGGESTNEVRS', 5059, 8], ['SUGGESTS', 5049, 8], ['SUGGESTVERSION', 5050, 8],
  ['SUMMARY', 1004, 9], ['SUPPLEMENTFLAGS', 5054, 4], ['SUPPLEMENTNAME', 5052, 8],
  ['SUPPLEMENTNEVRS', 5060, 8], ['SUPPLEMENTS', 5052, 8], ['SUPPLEMENTVERSION', 5053, 8],
  ['TRANSFILETRIGGERCONDS', 5088, 8], ['TRANSFILETRIGGERFLAGS', 5082, 4], ['TRANSFILETRIGGERINDEX', 5080, 4],
  ['TRANSFILETRIGGERNAME', 5079, 8], ['TRANSFILETRIGGERPRIORITIES', 5085, 4],
  ['TRANSFILETRIGGERSCRIPTFLAGS', 5078, 4], ['TRANSFILETRIGGERSCRIPTPROG', 5077, 8],
  ['TRANSFILETRIGGERSCRIPTS', 5076, 8], ['TRANSFILETRIGGERTYPE', 5089, 8],
  ['TRANSFILETRIGGERVERSION', 5081, 8], ['TRANSLATIONURL', 5100, 6], ['TRIGGERCONDS', 5005, 8],
  ['TRIGGERFLAGS', 1068, 4], ['TRIGGERINDEX', 1069, 4], ['TRIGGERNAME', 1066, 8],
  ['TRIGGERSCRIPTFLAGS', 5027, 4], ['TRIGGERSCRIPTPROG', 1092, 8], ['TRIGGERSCRIPTS', 1065, 8],
  ['TRIGGERTYPE', 5006, 8], ['TRIGGERVERSION', 1067, 8], ['UPSTREAMRELEASES', 5101, 6], ['URL', 1020, 6],
  ['V', 1001, 6], ['VCS', 5034, 6], ['VENDOR', 1011, 6], ['VERBOSE', 5018, 4], ['VERIFYSCRIPT', 1079, 6],
  ['VERIFYSCRIPTFLAGS', 5026, 4], ['VERIFYSCRIPTPROG', 1091, 8], ['VERITYSIGNATUREALGO', 277, 4],
  ['VERITYSIGNATURES', 276, 8], ['VERSION', 1001, 6], ['XPM', 1013, 7],
];

export interface TagInfo { name: string; value: number; type: number }

const byName = new Map<string, TagInfo>();
const byValue = new Map<number, TagInfo>();
for (const [name, value, type] of ROWS) {
  const info = { name, value, type };
  byName.set(name, info);
  // rpm's rpmTagGetName picks the longest name among aliases (lib/tagname.c tagCmpValue).
  const known = byValue.get(value);
  if (!known || name.length > known.name.length) byValue.set(value, info);
}

/**
 * rpm's rpmTagGetValue: a tag name, case-insensitively, to its number (undefined when
 * rpm knows no such tag). A leading `RPMTAG_` is the caller's business (headerFormat strips it).
 *
 * @example
 * tagByName('nevra')?.value; // 5016
 */
export function tagByName(name: string): TagInfo | undefined {
  // rpm compares with ASCII-only case folding (rstrcasecmp); so does toUpperCase on ASCII names.
  return /^[\x20-\x7e]*$/.test(name) ? byName.get(name.toUpperCase()) : undefined;
}

/** The tag's entry type as rpm's table declares it, TagType.NULL when unknown. */
export function tagType(value: number): number {
  return byValue.get(value)?.type ?? TagType.NULL;
}

/**
 * rpm's rpmTagGetName: `Name`, `Providename`... (the table's longest name for the number,
 * capitalised as rpm's generated table spells it), `(unknown)` for numbers it lacks.
 */
export function tagDisplayName(value: number): string {
  const info = byValue.get(value);
  if (!info) return '(unknown)';
  return info.name[0] + info.name.slice(1).toLowerCase();
}

/** Every name in the table (for the oracle test). */
export function allTagNames(): string[] {
  return [...byName.keys()];
}
