export { readRepository } from './read-repository.js';
export { readPrimary, PrimaryScanner } from './primary-reader.js';
export { parseRepomd, primaryPath } from './repomd.js';
