/**
 * `bazaar vercmp A B` and `bazaar vercmp --batch`: compare `[E:]V[-R]` strings exactly as
 * rpm's labelCompare does (docs/versioning-policy.md#rule-evr-order), or as ALT's rpm
 * does with `--alt` (docs/versioning-policy.md#alt-mode).
 */
import { StringDecoder } from 'node:string_decoder';
import { BazaarError } from '../../errors.js';
import { compareAltBuilds } from '../../policy/alt-compare.js';
import { compareEvrText, evrTextProblem, parseEvr } from '../../policy/evr.js';
import type { Command, CommandInput, CommandOutput } from '../command.js';

type Compare = (a: string, b: string) => -1 | 0 | 1;

function altCompare(a: string, b: string): -1 | 0 | 1 {
  return compareAltBuilds(parseEvr(a), parseEvr(b), { honorBuildtime: false });
}

/** rpm refuses EVRs with an empty version; so do we, naming where the bad one was. */
function checkEvr(text: string, where: string): void {
  const problem = evrTextProblem(text);
  if (problem !== null) {
    throw new BazaarError('ERR_BAD_INPUT', `${where}: '${text.replace(/\0/g, '\\0')}' is not an EVR ([E:]V[-R]): it ${problem}`, { data: { evr: text } });
  }
}

/** Results are flushed in blocks of this many lines: few writes, bounded memory. */
const FLUSH_EVERY = 16384;

async function batch(input: CommandInput, compare: Compare): Promise<CommandOutput> {
  const results: string[] = [];
  const all: number[] = [];
  const stream = input.json ? undefined : input.emit;
  let collected = '';
  const flush = (): void => {
    if (results.length === 0) return;
    const chunk = `${results.join('\n')}\n`;
    results.length = 0;
    if (stream) stream(chunk);
    else collected += chunk;
  };
  let lineNo = 0;
  const handle = (raw: string): void => {
    lineNo++;
    // A CRLF file is read as if it were LF: rpm versions never end in a carriage return.
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const tab = line.indexOf('\t');
    if (tab < 0 || line.indexOf('\t', tab + 1) >= 0) {
      throw new BazaarError('ERR_BAD_INPUT', `line ${lineNo}: expected A<TAB>B, got '${line.slice(0, 80)}'`, { data: { line: lineNo } });
    }
    const a = line.slice(0, tab);
    const b = line.slice(tab + 1);
    checkEvr(a, `line ${lineNo}`);
    checkEvr(b, `line ${lineNo}`);
    const r = compare(a, b);
    if (input.json) all.push(r);
    else {
      results.push(String(r));
      if (results.length >= FLUSH_EVERY) flush();
    }
  };
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const consume = (text: string): void => {
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl >= 0 && rest !== '') {
      handle(rest + text.slice(0, nl));
      rest = '';
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl >= 0) {
      handle(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    rest += text.slice(start);
  };
  try {
    for await (const chunk of input.stdin) {
      consume(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    }
    consume(decoder.end());
    if (rest !== '') handle(rest);
  } finally {
    // Whatever was answered before a bad line is still printed, in order.
    flush();
  }
  if (input.json) return { exitCode: 0, json: { results: all } };
  return { exitCode: 0, text: collected };
}

export const vercmp: Command = {
  name: 'vercmp',
  summary: 'compare two [E:]V[-R] versions as rpm does (-1, 0, 1)',
  usage: 'bazaar vercmp A B | bazaar vercmp --batch < pairs.tsv',
  help: `
Prints -1, 0 or 1 as A is older than, the same as, or newer than B, by rpm's rules
(rpm.labelCompare): a missing epoch is 0, a missing release is older than any release,
~ sorts before everything, ^ after the base version. With --alt, ALT's rpm order instead
(alphabetic segments newer than numeric ones).

With --batch, reads lines A<TAB>B from standard input and prints one result per line, as
it goes. A malformed line stops the run with exit code 2 and names the line number.

Example:
  bazaar vercmp 1.0-alt1 1.0-alt1.1         # -1
  printf '1:1.0\\t2.0\\n' | bazaar vercmp --batch   # 1`,
  options: {
    batch: { type: 'boolean', describe: 'read A<TAB>B lines from standard input' },
    alt: { type: 'boolean', describe: "compare as ALT's rpm does (alpha segments newer than numeric)" },
  },
  async run(input: CommandInput): Promise<CommandOutput> {
    const compare: Compare = input.options.alt === true ? altCompare : compareEvrText;
    if (input.options.batch === true) {
      if (input.positionals.length > 0) throw new BazaarError('ERR_USAGE', 'vercmp --batch takes no arguments (pairs come on standard input)');
      return batch(input, compare);
    }
    if (input.positionals.length !== 2) {
      throw new BazaarError('ERR_USAGE', `vercmp takes two versions, got ${input.positionals.length}. Usage: ${vercmp.usage}`);
    }
    const [a, b] = input.positionals as [string, string];
    checkEvr(a, 'first version');
    checkEvr(b, 'second version');
    const result = compare(a, b);
    return { exitCode: 0, json: { result }, text: String(result) };
  },
};
