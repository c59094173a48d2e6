/**
 * The standard output of a program that reads a file image bazaar does not parse itself
 * (sqfs2tar for squashfs, bsdtar for ISO 9660), as a byte stream with back-pressure: the
 * program is paused while the consumer is, so memory stays one pipe's worth whatever the
 * image's size. A program that fails (exit status not 0) fails the stream at its end
 * with its first line of complaint; a consumer that stops early kills it.
 */
import { spawn } from 'node:child_process';
import { BazaarError } from '../errors.js';
import { findTool } from '../fs/index.js';

export interface ToolCall {
  /** The program's name, looked up on PATH. */
  tool: string;
  /** The Debian package that installs it, for the message when it is missing. */
  debian: string;
  args: string[];
  /** What the program's failure means for the input: `why` is its first stderr line. */
  failed: (why: string) => BazaarError;
}

/** The program's path, or ERR_USAGE saying what to install. */
function requireTool(tool: string, debian: string, purpose: string): string {
  const path = findTool(tool);
  if (!path) throw new BazaarError('ERR_USAGE', `${purpose} needs ${tool}, which is not installed (Debian: apt-get install ${debian})`);
  return path;
}

export async function* toolOutput(call: ToolCall, purpose: string): AsyncGenerator<Buffer> {
  const path = requireTool(call.tool, call.debian, purpose);
  const child = spawn(path, call.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 4000) stderr += d.toString(); });
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    let code: number | null;
    try { code = await closed; } catch (err) {
      throw new BazaarError('ERR_USAGE', `${purpose}: ${call.tool} could not be run (${(err as Error).message})`, { cause: err });
    }
    if (code !== 0) throw call.failed(stderr.split('\n').map((l) => l.trim()).find(Boolean) ?? `exit status ${code}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    closed.catch(() => undefined);
  }
}
