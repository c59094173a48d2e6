/**
 * The validating edge of the library (style rule 2, as isomorphic-git's api/ over its
 * storage): every function a build tool imports takes one options object, checked here
 * before anything runs, so a wrong call is a typed ERR_USAGE naming the function and the
 * option, never a TypeError deep inside or an option silently ignored (a misspelt option
 * that changed nothing would be a silent wrong answer).
 */
import { BazaarError } from '../errors.js';

/** What an option must be; a trailing `?` makes it optional. */
export type OptionKind =
  | 'string' | 'string?' | 'strings' | 'strings?' | 'boolean' | 'boolean?' | 'function?' | 'signal?' | 'object?' | 'number?';

export type OptionSpec = Record<string, OptionKind>;

/** What a library operation resolves to: the result of the operation it checks and calls. */
export type Result<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

const DESCRIBE: Record<string, string> = {
  string: 'a non-empty string', strings: 'a list of non-empty strings', boolean: 'true or false', function: 'a function',
  signal: 'an AbortSignal', object: 'an object', number: 'a number',
};

function fits(kind: string, value: unknown): boolean {
  switch (kind) {
    case 'string': return typeof value === 'string' && value !== '';
    case 'strings': return Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '');
    case 'boolean': return typeof value === 'boolean';
    case 'function': return typeof value === 'function';
    case 'signal': return value instanceof AbortSignal;
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    default: return false;
  }
}

/** Checks `options` of library function `fn` against `spec`; returns it typed. */
export function checkOptions<T>(fn: string, options: unknown, spec: OptionSpec): T {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BazaarError('ERR_USAGE', `${fn} takes one options object (${Object.keys(spec).join(', ')})`, { data: { function: fn } });
  }
  const given = options as Record<string, unknown>;
  const unknown = Object.keys(given).filter((k) => !(k in spec));
  if (unknown.length) {
    throw new BazaarError('ERR_USAGE', `${fn}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (it takes ${Object.keys(spec).join(', ')})`, { data: { function: fn, unknown } });
  }
  for (const [name, kind] of Object.entries(spec)) {
    const optional = kind.endsWith('?');
    const base = optional ? kind.slice(0, -1) : kind;
    const value = given[name];
    if (value === undefined) {
      if (!optional) throw new BazaarError('ERR_USAGE', `${fn} needs ${name} (${DESCRIBE[base]})`, { data: { function: fn, option: name } });
      continue;
    }
    if (!fits(base, value)) {
      throw new BazaarError('ERR_USAGE', `${fn}: ${name} must be ${DESCRIBE[base]}, not ${describeValue(value)}`, { data: { function: fn, option: name } });
    }
  }
  return options as T;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list holding something else';
  if (typeof v === 'string') return v === '' ? 'an empty string' : JSON.stringify(v.slice(0, 40));
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v).slice(0, 40)}`;
}

/** Checks that option `name` of `fn`, when given, is one of `choices`. */
export function checkChoice(fn: string, name: string, value: string | undefined, choices: readonly string[]): void {
  if (value !== undefined && !choices.includes(value)) {
    throw new BazaarError('ERR_USAGE', `${fn}: ${name} is ${choices.map((c) => `'${c}'`).join(', ')}, not ${JSON.stringify(value)}`, { data: { function: fn, option: name } });
  }
}
