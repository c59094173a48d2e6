/**
 * A small progress bar on stderr for long terminal work. Silent when stderr is not a
 * TTY (CI, pipes) or when the command prints JSON, so scripts never see it.
 */
import type { Progress } from './command.js';

export function createProgress(enabled: boolean): Progress {
  if (!enabled) return { start() {}, tick() {}, reach() {}, done() {} };
  let label = '';
  let total = 0;
  let current = 0;
  let lastDraw = 0;
  const draw = (detail = ''): void => {
    const now = Date.now();
    if (now - lastDraw < 80 && current < total) return;
    lastDraw = now;
    const width = 30;
    const filled = total > 0 ? Math.round((current / total) * width) : 0;
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const cols = process.stderr.columns ?? 100;
    // Without a known total (a tree walk), show the count alone.
    const line = (total > 0 ? `${label} [${bar}] ${current}/${total} ${detail}` : `${label} ${current} ${detail}`).slice(0, cols - 1);
    process.stderr.write(`\r\x1b[K${line}`);
  };
  return {
    start(l, t) { label = l; total = t; current = 0; draw(); },
    tick(n = 1, detail) { current += n; draw(detail); },
    reach(count) { current = count; draw(); },
    done() { process.stderr.write('\r\x1b[K'); },
  };
}
