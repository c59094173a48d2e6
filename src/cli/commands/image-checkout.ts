/**
 * `bazaar image checkout`'s code, a module of its own: the image command's other
 * subcommands `import()` the library's index, which evaluates every folder (the bundler
 * splits by file: whatever a module imports comes along, 1.3 MB of chunks), and a
 * checkout's start is much of its lag behind `ostree checkout` (issue 21). It imports the
 * operation from `api/`, whose graph leaves out the library's mirrors, channels, boot sets
 * and signatures; the library's `checkoutImage` adds only the checks of options that
 * this command builds itself (docs/architecture.md#start-up).
 */
export { checkoutImage } from '../../api/index.js';
