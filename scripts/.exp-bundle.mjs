import { bundleExecutables } from './bundle.mjs';
const [entry, out] = process.argv.slice(2);
await bundleExecutables({ bazaar: entry }, out);
