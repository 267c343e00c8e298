import type { HeadersRecord } from "@durastream/client";

/** Resolves a headers record whose values may be (async) functions. */
export async function resolveHeaders(
  headers: HeadersRecord | undefined,
): Promise<Record<string, string>> {
  if (!headers) return {};
  const entries = await Promise.all(
    Object.entries(headers).map(
      async ([name, value]) => [name, typeof value === "function" ? await value() : value] as const,
    ),
  );
  return Object.fromEntries(entries);
}

/** A plain record of any `HeadersInit`, so it can be spread under other headers. */
export function headersRecord(headers?: HeadersInit): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return { ...headers };
}
