import { BazaarError } from '../../errors.js';
import { Store } from '../../store/index.js';
import type { EngineSpec } from '../../store/index.js';
import { expectArgs } from '../command.js';
import type { Command, CommandInput } from '../command.js';

const USAGE = 'bazaar init [DIR | --store DIR] [--objects s3://BUCKET[/PREFIX] --s3-endpoint URL --state postgresql://USER@HOST:PORT/DB [--schema NAME]]';

/** The store's directory: DIR or --store (both only when they agree). */
function dirOf(input: CommandInput): string {
  const [dir] = input.positionals;
  if (dir === undefined) return input.storeDir;
  if (dir === '') throw new BazaarError('ERR_USAGE', 'the store directory is an empty string; name a directory');
  if (input.options.store !== undefined && input.options.store !== dir) throw new BazaarError('ERR_USAGE', `name the store once: DIR (${dir}) or --store (${String(input.options.store)}), not both`);
  return dir;
}

/** The engines named by the flags, or none (a local store); --objects and --state go together. */
function enginesOf(options: CommandInput['options']): EngineSpec | undefined {
  const str = (name: string): string | undefined => options[name] as string | undefined;
  const [objects, state] = [str('objects'), str('state')];
  if (objects === undefined && state === undefined) {
    const stray = ['s3-endpoint', 's3-region', 'schema'].find((k) => options[k] !== undefined);
    if (stray) throw new BazaarError('ERR_USAGE', `--${stray} belongs to an attached store: give --objects and --state too (bazaar init --help)`);
    return undefined;
  }
  if (objects === undefined || state === undefined) throw new BazaarError('ERR_USAGE', `an attached store needs both --objects s3://BUCKET and --state postgresql://...; --${objects === undefined ? 'objects' : 'state'} is missing`);
  return {
    objects, state,
    ...(str('s3-endpoint') === undefined ? {} : { s3Endpoint: str('s3-endpoint') }),
    ...(str('s3-region') === undefined ? {} : { s3Region: str('s3-region') }),
    ...(str('schema') === undefined ? {} : { schema: str('schema') }),
  } as EngineSpec;
}

export const init: Command = {
  name: 'init',
  usage: USAGE,
  help: `Creates an empty store in DIR (or --store DIR; default: $BAZAAR_STORE, else
./bazaar-store), creating missing parent directories. DIR must be new or empty (a
lost+found, as a fresh file system has, is allowed): a directory holding anything else is
refused. Running it on an existing store changes nothing.

With --objects and --state the store is attached: its objects live in an S3 bucket (Ceph's
RADOS Gateway, MinIO, AWS) and its state and history in PostgreSQL, and DIR holds only
their configuration and caches (which may be deleted at any time). The bucket and the
schema are created when absent; the same command on another empty directory, on this
machine or another, attaches to the same store, so that several 'bazaar serve' share it.
Credentials are never written to DIR: S3's come from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, PostgreSQL's password from PGPASSWORD or ~/.pgpass (one in the URL
is used by this command only), on every command. See docs/engines.md.

Examples:
  bazaar init --store /srv/bazaar && bazaar add --store /srv/bazaar *.rpm
  AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... bazaar init /srv/bazaar \\
    --objects s3://bazaar/sisyphus --s3-endpoint http://rgw.example.org:7480 \\
    --state postgresql://bazaar@db.example.org:5432/bazaar --schema sisyphus`,
  options: {
    objects: { type: 'string', describe: 'attached: the objects\' bucket, s3://BUCKET or s3://BUCKET/PREFIX' },
    's3-endpoint': { type: 'string', describe: 'attached: the S3 endpoint URL (default: AWS)' },
    's3-region': { type: 'string', describe: 'attached: the S3 region (default: $AWS_REGION, else us-east-1)' },
    state: { type: 'string', describe: 'attached: the PostgreSQL URL of the state and history' },
    schema: { type: 'string', describe: 'attached: the PostgreSQL schema of this store (default bazaar)' },
  },
  async run(input) {
    expectArgs(input.positionals, 0, 1, USAGE);
    const dir = dirOf(input);
    const engines = enginesOf(input.options);
    const store = await Store.init(dir, { onNotice: input.notice, ...(engines ? { engines } : {}) });
    input.opened?.(store);
    return { exitCode: 0, json: { store: dir, ...(engines ? { attached: true } : {}) }, text: `initialised store ${dir}` };
  },
};
