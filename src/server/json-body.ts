/**
 * JSON request bodies for the write routes: bounded in size, an object, and each field of
 * the type the route needs; anything else is a 400 naming the field, before the store is
 * touched.
 */
import type { Context } from 'hono';
import { BazaarError } from '../errors.js';

const MAX_JSON = 1 << 20;

export class JsonBody {
  private constructor(private readonly value: Record<string, unknown>) {}

  static async of(c: Context): Promise<JsonBody> {
    const declared = Number(c.req.header('Content-Length') ?? 0);
    if (declared > MAX_JSON) throw new BazaarError('ERR_TOO_LARGE', `a JSON body is at most ${MAX_JSON} bytes`);
    let text: string;
    try { text = await c.req.text(); } catch (err) {
      // The client went away mid-body (or sent a broken chunked one): bad input, not a server fault.
      throw new BazaarError('ERR_BAD_INPUT', `the body broke off (${(err as Error).message})`, { cause: err });
    }
    if (Buffer.byteLength(text) > MAX_JSON) throw new BazaarError('ERR_TOO_LARGE', `a JSON body is at most ${MAX_JSON} bytes`);
    let value: unknown;
    try { value = JSON.parse(text); } catch (err) {
      throw new BazaarError('ERR_BAD_INPUT', `the body is not JSON: ${(err as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BazaarError('ERR_BAD_INPUT', 'the body must be a JSON object');
    return new JsonBody(value as Record<string, unknown>);
  }

  str(key: string): string {
    const v = this.value[key];
    if (typeof v !== 'string' || v === '') throw new BazaarError('ERR_BAD_INPUT', `"${key}" must be a non-empty string`);
    return v;
  }

  optStr(key: string): string | undefined {
    return this.value[key] === undefined ? undefined : this.str(key);
  }

  optBool(key: string): boolean | undefined {
    const v = this.value[key];
    if (v !== undefined && typeof v !== 'boolean') throw new BazaarError('ERR_BAD_INPUT', `"${key}" must be true or false`);
    return v;
  }

  bool(key: string): boolean {
    const v = this.optBool(key);
    if (v === undefined) throw new BazaarError('ERR_BAD_INPUT', `"${key}" must be true or false`);
    return v;
  }

  strings(key: string, { min = 1 } = {}): string[] {
    const v = this.value[key];
    if (!Array.isArray(v) || v.length < min || v.some((x) => typeof x !== 'string' || x === '')) {
      throw new BazaarError('ERR_BAD_INPUT', `"${key}" must be a list of ${min > 0 ? 'at least one' : ''} non-empty string${min === 1 ? '' : 's'}`.replace('  ', ' '));
    }
    return v as string[];
  }
}
