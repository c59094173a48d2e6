/**
 * `bazaar`: argv parsing, dispatch, printing and exit codes. Commands return data; this
 * file is the only place that prints it. Exit codes: 0 ok, 1 the operation found a problem,
 * 2 bad usage or bad input.
 */
import { parseArgs } from 'node:util';
import { BazaarError, isDamageError, isInputError, oneLine } from '../errors.js';
import type { Store } from '../store/index.js';
import type { Command, CommandOutput, Output, Progress } from './command.js';
import { commands } from './commands/index.js';
import { withHint } from './error-hints.js';
import { createProgress } from './progress.js';
import { packageVersion } from '../package-files.js';
import { plainArgs } from './plain-args.js';

const COMMON_OPTIONS = {
  store: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function version(): string {
  return packageVersion();
}

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'bazaar: a content-addressed package and image store for Virtual Appliances',
    '',
    'Usage: bazaar [--store DIR] [--json] <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options every command takes (before or after the command):',
    '  --store DIR   the store (default: $BAZAAR_STORE, else ./bazaar-store)',
    '  --json        machine-readable output',
    '  -h, --help    this help, or a command\'s help: bazaar add --help, bazaar help add',
    '  --version     the version of bazaar',
    '',
    'Exit codes: 0 ok, 1 the operation found a problem, 2 bad usage or bad input.',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  const opts = Object.entries(cmd.options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' VALUE' : ''}`;
    return `  ${flag.padEnd(24)} ${spec.describe}`;
  });
  return [`Usage: ${cmd.usage}`, '', cmd.help.trim(), '', ...(opts.length ? ['Options:', ...opts, ''] : []),
    'Common options: --store DIR, --json, --help'].join('\n');
}

function print(out: CommandOutput, json: boolean, stdout: Output): void {
  if (json && out.json !== undefined) stdout.write(`${JSON.stringify(out.json, null, 2)}\n`);
  else if (out.text !== undefined && out.text !== '') stdout.write(out.text.endsWith('\n') ? out.text : `${out.text}\n`);
}

/** node's parseArgs messages, in bazaar's words (they quote options and suggest `--`). */
function usageMessage(err: Error, cmd: Command): string {
  const unknown = /Unknown option '([^']+)'/.exec(err.message);
  // a negative number is a value, not an option: parseArgs cannot tell, so say how to give one
  if (unknown && /^-\d/.test(unknown[1])) return `${unknown[1]} is read as an option; a value that starts with '-' goes after '--', with the options before it (bazaar ${cmd.name} --store DIR ... -- ${unknown[1]})`;
  if (unknown) return `unknown option ${unknown[1]}; 'bazaar ${cmd.name} --help' lists the options`;
  const missing = /Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument missing/.exec(err.message);
  if (missing) return `${missing[1]} needs a value; 'bazaar ${cmd.name} --help' shows how`;
  const type = /Option '(?:-\w, )?(--[\w-]+)[^']*' does not take an argument/.exec(err.message);
  if (type) return `${type[1]} takes no value; 'bazaar ${cmd.name} --help' shows how`;
  return `${err.message.split('.')[0]}; 'bazaar ${cmd.name} --help' shows the usage`;
}

/** Splits common options given before the command name from the rest. */
function leadingOptions(argv: string[]): { lead: string[]; rest: string[] } {
  const lead: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) {
    const a = argv[i];
    if (a === '--store') { lead.push(a, argv[i + 1] ?? ''); i += 2; continue; }
    lead.push(a);
    i++;
  }
  return { lead, rest: argv.slice(i) };
}

/** Where an invocation reads and writes: the process's streams, or a test's. */
export interface MainStreams {
  stdin: NodeJS.ReadableStream;
  /** The executable's are fds 1 and 2 (fd-output.ts); a test's, streams. */
  stdout: Output;
  stderr: Output;
}

/** What the executable does around a command (main.ts): in-process callers leave the process as it is. */
export interface MainHooks {
  /** Called with the command once its arguments are parsed, just before it runs. */
  beforeRun?(cmd: Command): void;
}

/** Runs one CLI invocation and returns its exit code (exported for in-process tests). */
export async function main(argv: string[], io: MainStreams = process, hooks: MainHooks = {}): Promise<number> {
  const { stdout, stderr } = io;
  const { lead, rest } = leadingOptions(argv);
  if (lead.includes('--version') || lead.includes('-V')) {
    stdout.write(`bazaar ${version()}\n`);
    return 0;
  }
  const [name, ...args] = rest;
  if (name === 'help') {
    const target = args[0] === undefined ? undefined : commands.find((c) => c.name === args[0]);
    if (args[0] !== undefined && !target) {
      stderr.write(`${oneLine(`bazaar: unknown command '${args[0]}'. Run 'bazaar --help' to see the commands.`)}\n`);
      return 2;
    }
    stdout.write(`${target ? commandHelp(await target.load()) : topHelp()}\n`);
    return 0;
  }
  if (name === undefined) {
    const unknownOption = lead.find((a, i) => !['--store', '--json', '--help', '-h'].includes(a) && lead[i - 1] !== '--store');
    if (unknownOption !== undefined) {
      stderr.write(`bazaar: unknown option ${unknownOption.slice(0, 80)}; 'bazaar --help' lists the commands and options\n`);
      return 2;
    }
    const helpAsked = lead.includes('--help') || lead.includes('-h');
    stdout.write(`${topHelp()}\n`);
    return helpAsked ? 0 : 2;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    stderr.write(`${oneLine(`bazaar: unknown command '${name}'. Run 'bazaar --help' to see the commands.`)}\n`);
    return 2;
  }
  const cmd = await entry.load();
  // A process's arguments cannot hold NUL (execve); an in-process caller's can, and no
  // name, path or option value means anything with one.
  if (argv.some((a) => a.includes('\0'))) {
    stderr.write(`bazaar ${cmd.name}: an argument holds a NUL byte, which no name or path can\n`);
    return 2;
  }
  let parsed;
  try {
    const spec = { ...COMMON_OPTIONS, ...cmd.options };
    // `show NAME --store DIR`: parsed without loading node's parseArgs (plain-args.ts)
    parsed = plainArgs([...lead, ...args], spec) ?? parseArgs({ args: [...lead, ...args], options: spec, allowPositionals: true, strict: true });
  } catch (err) {
    stderr.write(`bazaar ${cmd.name}: ${oneLine(usageMessage(err as Error, cmd))}\n`);
    return 2;
  }
  const options = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (options.help) {
    stdout.write(`${commandHelp(cmd)}\n`);
    return 0;
  }
  const json = options.json === true;
  // an empty --store is a mistake (an unset variable), never the current directory; an empty BAZAAR_STORE is unset
  if (options.store === '') {
    stderr.write(`bazaar ${cmd.name}: --store needs a directory, not an empty string\n`);
    return 2;
  }
  const storeDir = (options.store as string | undefined) ?? (process.env.BAZAAR_STORE || './bazaar-store');
  const notice = (line: string): void => { stderr.write(`bazaar ${cmd.name}: ${line}\n`); };
  // every store a command opens is closed when it ends, so that an attached store's
  // connections do not keep the process (`bazaar serve` returns once it has stopped)
  const opened: Store[] = [];
  let progress: Progress | undefined;
  hooks.beforeRun?.(cmd);
  try {
    const out = await cmd.run({
      positionals: parsed.positionals,
      options,
      storeDir,
      json,
      // made when a command asks: whether stderr is a terminal is node:tty's (fd-output.ts)
      get progress() { return progress ??= createProgress(!json && stderr.isTTY === true); },
      // read when a command asks: creating process.stdin costs a start a few ms (a tty or pipe handle)
      get stdin() { return io.stdin; },
      stdout,
      emit: (chunk) => { stdout.write(chunk); },
      openStore: async (): Promise<Store> => {
        const store = await (await import('../store/open.js')).Store.open(storeDir, { onNotice: notice });
        // each channel commit's universe made from its parent's now, not by a resolve that may come 64 commits later
        // (a server makes it after its answer: an upload at 20,000 builds waited ~40 ms for it)
        store.onChannelCommit(async (channel) => (await import('../resolver/index.js')).prepareChannelUniverse(store, channel), { background: cmd.serves === true });
        opened.push(store);
        return store;
      },
      opened: (store) => { opened.push(store); },
      notice,
    });
    print(out, json, stdout);
    for (const line of out.stderr ?? []) notice(line);
    return out.exitCode;
  } catch (err) {
    if (err instanceof BazaarError) {
      let message = oneLine(withHint(err));
      // damage: the message says where to look next
      if (isDamageError(err) && cmd.name !== 'fsck') message += "; 'bazaar fsck' lists all damage and 'bazaar fsck --repair' repairs what it can";
      if (json) stdout.write(`${JSON.stringify({ error: { ...err.toJSON(), message } })}\n`);
      stderr.write(`bazaar ${cmd.name}: ${message}\n`);
      return isInputError(err) ? 2 : 1;
    }
    throw err;
  } finally {
    await Promise.allSettled(opened.map((s) => s.close()));
  }
}
