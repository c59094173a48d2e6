/**
 * `bazaar vercmp A B` and `bazaar vercmp --batch`: compare `[E:]V[-R]` strings exactly as
 * rpm's labelCompare does (docs/versioning-policy.md#rule-evr-order), or as ALT's rpm
 * does with `--alt` (docs/versioning-policy.md#rule-alt-segment-order).
 */
import { StringDecoder } from 'node:string_decoder';
import { BazaarError, isBazaarError } from '../../errors.js';
import { compareAltBuilds, compareEvrRanges, evrTextProblem } from '../../policy/index.js';
import { parseEvr } from '../../rpm/index.js';
import type { Command, CommandInput, CommandOutput } from '../command.js';

/** Compares `text[a0, a1)` with `text[b0, b1)`. */
type RangeCompare = (text: string, a0: number, a1: number, b0: number, b1: number) => -1 | 0 | 1;

const rpmOrder: RangeCompare = (text, a0, a1, b0, b1) => compareEvrRanges(text, a0, a1, text, b0, b1);
/** ALT order; refuses the same EVRs the rpm order refuses, so --alt accepts the same input. */
function altOrder(text: string, a0: number, a1: number, b0: number, b1: number): -1 | 0 | 1 {
  const a = text.slice(a0, a1);
  const b = text.slice(b0, b1);
  for (const evr of [a, b]) {
    const problem = evrTextProblem(evr);
    if (problem !== null) throw new BazaarError('ERR_VERSION', `'${evr}' is not an EVR ([E:]V[-R]): it ${problem}`, { data: { evr } });
  }
  return compareAltBuilds(parseEvr(a), parseEvr(b), { honorBuildtime: false });
}

const ANSWERS = ['-1', '0', '1'] as const;
/** Results are flushed in blocks of this many lines: few writes, bounded memory. */
const FLUSH_EVERY = 16384;

/** Re-raises an EVR rpm refuses as bad input, naming where it was. */
function badEvr(err: unknown, where: string): never {
  if (isBazaarError(err, 'ERR_VERSION')) throw new BazaarError('ERR_BAD_INPUT', `${where}: ${err.message}`, { data: err.data, cause: err });
  throw err;
}

async function batch(input: CommandInput, compare: RangeCompare): Promise<CommandOutput> {
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
  /** One line, `text[start, end)`, compared in place. */
  const handle = (text: string, start: number, end: number): void => {
    lineNo++;
    // A CRLF file is read as if it were LF: rpm versions never end in a carriage return.
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    const tab = text.indexOf('\t', start);
    if (tab < 0 || tab >= end || (text.indexOf('\t', tab + 1) >= 0 && text.indexOf('\t', tab + 1) < end)) {
      throw new BazaarError('ERR_BAD_INPUT', `line ${lineNo}: expected A<TAB>B, got '${text.slice(start, Math.min(end, start + 80))}'`, { data: { line: lineNo } });
    }
    let r: -1 | 0 | 1;
    try {
      r = compare(text, start, tab, tab + 1, end);
    } catch (err) {
      badEvr(err, `line ${lineNo}`);
    }
    if (input.json) all.push(r);
    else {
      results.push(ANSWERS[r + 1] as string);
      if (results.length >= FLUSH_EVERY) flush();
    }
  };
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const consume = (text: string): void => {
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl >= 0 && rest !== '') {
      const line = rest + text.slice(0, nl);
      rest = '';
      handle(line, 0, line.length);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl >= 0) {
      handle(text, start, nl);
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
    if (rest !== '') handle(rest, 0, rest.length);
  } finally {
    // Whatever was answered before a bad line is still printed, in order.
    flush();
  }
  if (input.json) return { exitCode: 0, json: { results: all } };
  return { exitCode: 0, text: collected };
}

export const vercmp: Command = {
  name: 'vercmp',
  usage: 'bazaar vercmp A B | bazaar vercmp --batch < pairs.tsv',
  help: `
Prints -1, 0 or 1 as A is older than, the same as, or newer than B, by rpm's rules
(rpm.labelCompare): a missing epoch is 0, a missing release is older than any release,
~ sorts before everything, ^ after the base version. With --alt, ALT's rpm order instead
(alphabetic segments newer than numeric ones). An EVR with an empty version is refused,
as rpm refuses it.

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
    const compare = input.options.alt === true ? altOrder : rpmOrder;
    if (input.options.batch === true) {
      if (input.positionals.length > 0) throw new BazaarError('ERR_USAGE', 'vercmp --batch takes no arguments (pairs come on standard input)');
      return batch(input, compare);
    }
    if (input.positionals.length !== 2) {
      throw new BazaarError('ERR_USAGE', `vercmp takes two versions, got ${input.positionals.length}. Usage: ${vercmp.usage}`);
    }
    const [a, b] = input.positionals as [string, string];
    const text = `${a}\t${b}`;
    let result: -1 | 0 | 1;
    try {
      result = compare(text, 0, a.length, a.length + 1, text.length);
    } catch (err) {
      badEvr(err, 'vercmp');
    }
    return { exitCode: 0, json: { result }, text: String(result) };
  },
};
