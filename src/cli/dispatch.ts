/**
 * `bazaar`: argv parsing, dispatch, printing and exit codes. Commands return data; this
 * file is the only place that prints it. Exit codes: 0 ok, 1 the operation found a problem,
 * 2 bad usage or bad input.
 */
import { parseArgs } from 'node:util';
import { BazaarError, isInputError } from '../errors.js';
import type { Command, CommandOutput } from './command.js';
import { commands } from './commands/index.js';
import { createProgress } from './progress.js';

const COMMON_OPTIONS = {
  store: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'bazaar: a content-addressed package and image store for Virtual Appliances',
    '',
    'Usage: bazaar <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options every command takes:',
    '  --store DIR   the store (default: $BAZAAR_STORE, else ./bazaar-store)',
    '  --json        machine-readable output',
    '  -h, --help    this help, or a command\'s help: bazaar add --help',
    '',
    'Exit codes: 0 ok, 1 the operation found a problem, 2 bad usage or bad input.',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  const opts = Object.entries(cmd.options).map(([name, spec]) => {
    const flag = spec.type === 'string' ? `--${name} VALUE` : `--${name}`;
    return `  ${flag.padEnd(22)} ${spec.describe}`;
  });
  return [`Usage: ${cmd.usage}`, '', cmd.help.trim(), '', ...(opts.length ? ['Options:', ...opts, ''] : []),
    'Common options: --store DIR, --json, --help'].join('\n');
}

function print(out: CommandOutput, json: boolean): void {
  if (json && out.json !== undefined) process.stdout.write(`${JSON.stringify(out.json, null, 2)}\n`);
  else if (out.text !== undefined && out.text !== '') process.stdout.write(out.text.endsWith('\n') ? out.text : `${out.text}\n`);
}

/** Runs one CLI invocation and returns its exit code (exported for in-process tests). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${topHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`bazaar: unknown command '${name}'. Run 'bazaar --help' to see the commands.\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...COMMON_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`bazaar ${cmd.name}: ${(err as Error).message}. Usage: ${cmd.usage}\n`);
    return 2;
  }
  const options = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (options.help) {
    process.stdout.write(`${commandHelp(cmd)}\n`);
    return 0;
  }
  const json = options.json === true;
  try {
    const out = await cmd.run({
      positionals: parsed.positionals,
      options,
      storeDir: (options.store as string | undefined) ?? process.env.BAZAAR_STORE ?? './bazaar-store',
      json,
      progress: createProgress(!json && process.stderr.isTTY === true),
      stdin: process.stdin,
      emit: (chunk) => { process.stdout.write(chunk); },
    });
    print(out, json);
    return out.exitCode;
  } catch (err) {
    if (err instanceof BazaarError) {
      if (json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() })}\n`);
      process.stderr.write(`bazaar ${cmd.name}: ${err.message.split('\n')[0]}\n`);
      return isInputError(err) ? 2 : 1;
    }
    throw err;
  }
}
