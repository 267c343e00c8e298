/** Evaluation of header and parameter records whose values may be (async) functions. */

import type { HeadersRecord, ParamsRecord } from "./types.js";

/** Resolves every header value, calling function values now. */
export async function resolveHeaders(headers?: HeadersRecord): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  headers = mergeHeaders(headers); // one value per name, whatever its case
  for (const key of Object.keys(headers)) {
    const value = headers[key]!;
    out[key] = typeof value === "function" ? await value() : value;
  }
  return out;
}

/** Resolves every parameter value, skipping `undefined` ones. */
export async function resolveParams(params?: ParamsRecord): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!params) return out;
  for (const key of Object.keys(params)) {
    const value = params[key];
    if (value === undefined) continue;
    out[key] = typeof value === "function" ? await value() : value;
  }
  return out;
}

/** The URL with resolved `params` set on it. */
export async function urlWithParams(url: string, params?: ParamsRecord): Promise<URL> {
  const out = new URL(url);
  const resolved = await resolveParams(params);
  for (const key of Object.keys(resolved)) out.searchParams.set(key, resolved[key]!);
  return out;
}

/** Whether any header of `headers` is `name`, case-insensitively. */
export function hasHeader(headers: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((key) => key.toLowerCase() === lower);
}

/** Sets `name` on `headers`, replacing any case variant of it. */
export function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) delete headers[key];
  }
  headers[name] = value;
}

/**
 * Merges header records case-insensitively: a later record's `Authorization`
 * replaces an earlier `authorization` instead of being sent beside it (which
 * fetch would join into one `a, b` value). Function values are kept as they
 * are, to be evaluated per request. The later record's spelling wins.
 */
export function mergeHeaders<V extends HeadersRecord[string]>(
  ...records: Array<Record<string, V> | undefined>
): Record<string, V> {
  const out: Record<string, V> = {};
  const spelling = new Map<string, string>(); // lowercase name → key in `out`
  for (const record of records) {
    if (!record) continue;
    for (const key of Object.keys(record)) {
      const lower = key.toLowerCase();
      const previous = spelling.get(lower);
      if (previous !== undefined) delete out[previous];
      spelling.set(lower, key);
      out[key] = record[key]!;
    }
  }
  return out;
}
