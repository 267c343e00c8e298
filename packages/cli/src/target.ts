/** Where requests go: the stream-root URL, the bearer secret, and stream URLs under the root. */

import type { HeadersRecord } from "@durastream/client";
import { type FailureSubject, UsageError } from "./errors.js";

/** Stream root used when neither `--url` nor `DURABLE_STREAMS_URL` is set. */
export const DEFAULT_STREAMS_URL = "http://localhost:4437/v1/stream";

/** The resolved server: stream root and the headers every request carries. */
export interface Target {
  /** Stream-root URL without a trailing slash, e.g. `http://localhost:4437/v1/stream`. */
  readonly root: string;
  /** `Authorization: Bearer <secret>` when a secret is configured. */
  readonly headers: HeadersRecord;
  /** Whether a bearer secret is sent. */
  readonly authenticated: boolean;
}

/** The connection flags every stream command accepts. */
export interface ConnectionFlags {
  readonly url?: string | undefined;
  readonly token?: string | undefined;
}

/**
 * Resolves the server: `--url`, else `DURABLE_STREAMS_URL`, else
 * {@link DEFAULT_STREAMS_URL}; the bearer secret: `--token`, else
 * `STREAMS_SECRET`, else `DURABLE_STREAMS_SECRET`.
 */
export function resolveTarget(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
): Target {
  const raw = flags.url || env.DURABLE_STREAMS_URL || DEFAULT_STREAMS_URL;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UsageError(`invalid server URL: ${raw}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`invalid server URL (http or https only): ${raw}`);
  }
  const secret = flags.token || env.STREAMS_SECRET || env.DURABLE_STREAMS_SECRET || undefined;
  return {
    root: parsed.toString().replace(/\/+$/, ""),
    headers: secret ? { authorization: `Bearer ${secret}` } : {},
    authenticated: secret !== undefined,
  };
}

/**
 * The URL of a stream: `path` (e.g. `chat/42`) under the root, each segment
 * percent-encoded; an absolute `http(s)://` URL is taken as is.
 */
export function streamUrl(target: Target, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") throw new UsageError("stream path is empty");
  const encoded = trimmed.split("/").map(encodeURIComponent).join("/");
  return `${target.root}/${encoded}`;
}

/** The subject of error messages about `path`. */
export function subjectOf(target: Target, path: string): FailureSubject {
  return { path, root: target.root, authenticated: target.authenticated };
}

/**
 * How long a command keeps retrying an unreachable or busy server: long
 * enough to ride out a restart, short enough that a typo in --url fails
 * while the user still waits for it.
 */
export const COMMAND_RETRY_BUDGET_MS = 3_000;

/** Options of a `DurableStream` handle on `path`: URL, auth header, interrupt signal. */
export function handleOptions(
  target: Target,
  path: string,
  signal: AbortSignal,
): {
  url: string;
  headers: HeadersRecord;
  signal: AbortSignal;
  warnOnHttp: false;
  retryBudgetMs: number;
} {
  return {
    url: streamUrl(target, path),
    headers: target.headers,
    signal,
    warnOnHttp: false,
    retryBudgetMs: COMMAND_RETRY_BUDGET_MS,
  };
}
