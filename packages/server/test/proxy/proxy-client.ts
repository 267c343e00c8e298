/** Helpers of the proxy tests: create a proxy stream, read it to its end. */

import { expect } from "vitest";

export const SECRET = "proxy-suite-service-secret";
export const SERVICE = { authorization: `Bearer ${SECRET}` };
/** The upstream credential: must reach the upstream and nothing else. */
export const UPSTREAM_CREDENTIAL = "sk-upstream-credential-7f3a9c";

/** `POST {proxy}` for `upstreamUrl`. */
export function create(
  proxyUrl: string,
  upstreamUrl: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Response> {
  return fetch(proxyUrl, {
    method: "POST",
    headers: {
      ...SERVICE,
      "upstream-url": upstreamUrl,
      "upstream-method": init.method ?? "POST",
      "upstream-authorization": `Bearer ${UPSTREAM_CREDENTIAL}`,
      "content-type": "application/json",
      ...init.headers,
    },
    body: init.body ?? "{}",
  });
}

/** `Location` of a 201, asserted. */
export async function created(response: Promise<Response>): Promise<string> {
  const res = await response;
  if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${await res.text()}`);
  return res.headers.get("location")!;
}

/** `url` with `offset` (and `live`) added to its query. */
export function at(url: string, offset: string, live?: string): string {
  const target = new URL(url);
  target.searchParams.set("offset", offset);
  if (live) target.searchParams.set("live", live);
  return target.toString();
}

/** One read step: its bytes and where the next read starts. */
export interface ReadStep {
  readonly offset: string;
  readonly bytes: Uint8Array;
  readonly next: string;
  readonly closed: boolean;
}

/** Reads from `offset` with long-polls until the stream is closed; every step kept. */
export async function readToEnd(location: string, offset = "-1"): Promise<ReadStep[]> {
  const steps: ReadStep[] = [];
  for (let i = 0; i < 10_000; i++) {
    const res = await fetch(at(location, offset, offset === "-1" ? undefined : "long-poll"));
    expect([200, 204]).toContain(res.status);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const next = res.headers.get("stream-next-offset")!;
    const closed = res.headers.get("stream-closed") === "true";
    steps.push({ offset, bytes, next, closed });
    if (closed) return steps;
    offset = next;
  }
  throw new Error("stream never closed");
}

/** The bytes of `steps`, concatenated. */
export function joined(steps: readonly ReadStep[]): Uint8Array {
  const total = steps.reduce((n, s) => n + s.bytes.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const step of steps) {
    out.set(step.bytes, at);
    at += step.bytes.length;
  }
  return out;
}

export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** `HEAD` of a proxy stream with the service credential. */
export async function head(location: string): Promise<Response> {
  const url = new URL(location);
  return fetch(`${url.origin}${url.pathname}`, { method: "HEAD", headers: SERVICE });
}

/** Status and error code of a JSON error response. */
export async function errorOf(res: Response): Promise<{ status: number; code: string }> {
  const body = (await res.json()) as { error: { code: string } };
  return { status: res.status, code: body.error.code };
}
