/**
 * The plain command lines parsed without node's parseArgs (src/cli/plain-args.ts): the
 * same values and positionals parseArgs gives, and every other line left to parseArgs.
 */
import { parseArgs } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { plainArgs } from '../../src/cli/plain-args.js';

const t = suite('plain args');

const COMMON = { store: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
const SHOW = { ...COMMON };
const WITH_OPTIONS = { ...COMMON, channel: { type: 'string' }, all: { type: 'boolean', short: 'a' } } as const;

/** parseArgs's answer, or its error's message. */
function node(args: string[], options: typeof SHOW | typeof WITH_OPTIONS): unknown {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: { ...values }, positionals, proto: Object.getPrototypeOf(values) };
  } catch (err) {
    return (err as Error).message;
  }
}

t('a plain line parses as parseArgs parses it', () => {
  const lines = [
    [], ['show', 'bash'], ['--store', '/s', 'show', 'bash'], ['show', '--store', '/s', 'bash'], ['show', 'bash', '--json'],
    ['--json', '--store', '/a', 'show', '--store', '/b', 'x', 'y'], ['show', '--store', ''], ['ls', '--json', '--json'],
    ['show', 'constructor', '__proto__'],
  ];
  for (const options of [SHOW, WITH_OPTIONS]) {
    for (const args of lines) {
      const plain = plainArgs(args, options);
      assert.ok(plain, `${args.join(' ')}: plain`);
      assert.equal({ values: { ...plain.values }, positionals: plain.positionals, proto: Object.getPrototypeOf(plain.values) }, node(args, options), args.join(' '));
    }
  }
});

t('anything else is left to parseArgs: other options, --store=, --, a value or positional starting with -, a missing value, defaults', () => {
  const lines = [
    ['show', '-h'], ['show', '--help'], ['ls', '--channel', 'c'], ['ls', '-a'], ['show', '--store=/s', 'x'], ['show', '--', '-x'],
    ['show', '--store', '-x'], ['show', '--store'], ['show', '-'], ['show', '-1'], ['show', '--jsn'],
  ];
  for (const args of lines) assert.is(plainArgs(args, WITH_OPTIONS), null, args.join(' '));
  assert.is(plainArgs(['show', 'x'], { ...COMMON, limit: { type: 'string', default: '10' } }), null, 'an option with a default');
  assert.is(plainArgs(['show', 'x'], { ...COMMON, store: { type: 'boolean' } }), null, 'a command whose --store is not a value');
});

t.run();
