/**
 * `npm run bench`: every benchmark, each against its peer on the same input in the same
 * run, printing ratios. See each module for what it measures.
 */
import { benchCheckout } from './checkout.js';
import { benchImages } from './images.js';
import { benchLinked } from './linked.js';
import { benchMirror } from './mirror.js';
import { benchNetboot } from './netboot.js';
import { benchReaders } from './readers.js';
import { benchResolver } from './resolver.js';
import { benchRpmmd } from './rpmmd.js';
import { benchScale } from './scale.js';
import { benchScaleOut } from './scale-out.js';
import { benchGeneration, benchServer } from './server.js';
import { benchStore } from './store.js';
import { benchVercmp } from './vercmp.js';

const only = process.argv[2];
const benches: Array<[string, () => Promise<unknown>]> = [
  ['store', () => benchStore()],
  ['readers', () => benchReaders()],
  ['vercmp', () => benchVercmp()],
  ['resolver', async () => console.log((await benchResolver()).text)],
  ['rpmmd', () => benchRpmmd()],
  ['linked', () => benchLinked()],
  ['checkout', () => benchCheckout()],
  ['images', () => benchImages()],
  ['server', async () => { await benchServer(); await benchGeneration(); }],
  ['netboot', () => benchNetboot()],
  ['mirror', () => benchMirror()],
  ['scale', () => benchScale()],
  ['scale-out', () => benchScaleOut()],
];
// `serve` is the name issue 21 gives the server's bench; an unknown name is refused, not a silent empty run
const ALIASES: Record<string, string> = { serve: 'server' };
const wanted = only === undefined ? undefined : ALIASES[only] ?? only;
if (wanted !== undefined && !benches.some(([name]) => name === wanted)) {
  console.error(`npm run bench: no benchmark '${only}'; choose one of: ${benches.map(([name]) => name).join(', ')} (or none for all)`);
  process.exit(2);
}
for (const [name, run] of benches) {
  if (wanted && wanted !== name) continue;
  console.log(`\n== ${name} ==`);
  await run();
}
