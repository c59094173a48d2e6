/** `npm run bench`: every benchmark in one process, one after another, printed as text. */
import { benchResolver } from './resolver.js';

const benches: Array<[string, () => Promise<{ text: string }>]> = [
  ['resolver', () => benchResolver()],
];

for (const [name, run] of benches) {
  console.log(`== ${name}`);
  console.log((await run()).text);
}
