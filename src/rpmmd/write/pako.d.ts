/** The part of pako 1.x (a port of zlib 1.2.8's deflate) that compressor.ts uses. */
declare module 'pako' {
  class Deflate {
    constructor(options?: { level?: number; gzip?: boolean; chunkSize?: number });
    /** `mode` false: Z_NO_FLUSH, true: Z_FINISH. */
    push(data: Uint8Array, mode?: boolean): boolean;
    onData(chunk: Uint8Array): void;
    err: number;
    msg: string;
  }
  const pako: { Deflate: typeof Deflate };
  export default pako;
}
