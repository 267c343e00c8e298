/** Small HTTP helpers for the subscription tests (real requests to a real server). */

import { eventually } from "../../../test-support/eventually.js";

/** Parsed JSON of a response, read loosely by the tests' assertions. */
// biome-ignore lint/suspicious/noExplicitAny: assertions check the shape
export type Json = any;

/** A server's base URL holder (in-process or child). */
export interface HasUrl {
  readonly url: string;
}

/** `{server}/v1/stream/__ds/subscriptions/{id}{suffix}`. */
export function subUrl(server: HasUrl, id: string, suffix = ""): string {
  return `${server.url}/v1/stream/__ds/subscriptions/${id}${suffix}`;
}

/** `{server}/v1/stream/{path}`. */
export function stream(server: HasUrl, path: string): string {
  return `${server.url}/v1/stream/${path}`;
}

/** A JSON request; resolves with status and parsed body (null when empty). */
export async function call(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : JSON.parse(text), headers: res.headers };
}

/** Creates a JSON stream (optionally with initial messages); returns its next offset. */
export async function createJsonStream(
  server: HasUrl,
  path: string,
  initial?: unknown,
): Promise<string> {
  const res = await fetch(stream(server, path), {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: initial === undefined ? undefined : JSON.stringify(initial),
  });
  if (res.status !== 201) throw new Error(`create ${path}: ${res.status}`);
  return res.headers.get("stream-next-offset")!;
}

/** Appends one JSON message; returns the stream's next offset. */
export async function appendJson(server: HasUrl, path: string, message: unknown): Promise<string> {
  const res = await fetch(stream(server, path), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(message),
  });
  if (res.status !== 204) throw new Error(`append ${path}: ${res.status}`);
  return res.headers.get("stream-next-offset")!;
}

/** Reads a JSON stream's messages from the start. */
export async function readJsonStream(server: HasUrl, path: string): Promise<Json[]> {
  const res = await fetch(`${stream(server, path)}?offset=-1`);
  return (await res.json()) as Json[];
}

/**
 * Long-polls a JSON stream until it holds more than `count` messages;
 * returns all of them. Waits on the server's wake-up, not on a timer.
 */
export async function waitForMessages(
  server: HasUrl,
  path: string,
  count: number,
  timeoutMs = 15_000,
): Promise<Json[]> {
  const deadline = Date.now() + timeoutMs;
  let offset = "-1";
  const messages: Json[] = [];
  while (messages.length <= count) {
    if (Date.now() > deadline) throw new Error(`${path}: only ${messages.length} messages`);
    const live = offset === "-1" ? "" : "&live=long-poll";
    const res = await fetch(`${stream(server, path)}?offset=${offset}${live}`);
    if (res.status === 200) messages.push(...((await res.json()) as Json[]));
    else await res.arrayBuffer();
    offset = res.headers.get("stream-next-offset") ?? offset;
  }
  return messages;
}

/** Polls `check` (a server state read) every 20 ms until it returns true, for at most 15 s. */
export function until(check: () => Promise<boolean>): Promise<void> {
  return eventually(check, 15_000, 20);
}
