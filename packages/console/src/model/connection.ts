/**
 * Where the streams are and how to reach them: the stream root of the server
 * that served the console (from its `durastream-stream-root` meta tag), and
 * client handles that carry the tab's token.
 */

import { DurableStream, type DurableStreamError } from "@durastream/client";
import type { Auth } from "./auth.js";

/** The stream root the page names, as an absolute URL without a trailing slash. */
export function streamRootFromPage(doc: Document = document): string {
  const meta = doc.querySelector<HTMLMetaElement>('meta[name="durastream-stream-root"]');
  const path = meta?.content || "/v1/stream";
  return new URL(path, doc.baseURI).href.replace(/\/+$/, "");
}

/** The server's streams, reached with the tab's token. */
export class Connection {
  constructor(
    /** e.g. `http://localhost:4437/v1/stream` */
    readonly streamRoot: string,
    readonly auth: Auth,
  ) {}

  /** The URL of the stream at `path` (each segment percent-encoded). */
  urlOf(path: string): string {
    return `${this.streamRoot}/${path.split("/").map(encodeURIComponent).join("/")}`;
  }

  /** The URL path of a stream, as `Stream-Forked-From` names a source. */
  urlPathOf(path: string): string {
    return new URL(this.urlOf(path)).pathname;
  }

  /** A client handle on the stream at `path`. */
  handle(path: string, contentType?: string): DurableStream {
    return new DurableStream({
      url: this.urlOf(path),
      fetch: this.auth.fetch,
      warnOnHttp: false,
      batching: false,
      ...(contentType === undefined ? {} : { contentType }),
    });
  }
}

/** A one-line description of a failed operation. */
export function describeError(error: unknown): string {
  const e = error as Partial<DurableStreamError> & { message?: string };
  if (e?.status === 401) return "The server wants a token (401).";
  if (e?.status === 403) return "The token does not allow this (403).";
  // HEAD answers carry no error body: say what the status means here.
  if (e?.status === 410) {
    return "This stream was deleted (410). Forks made from it keep their own copy of its data.";
  }
  if (e?.status === 404) return "There is no stream at this path (404).";
  const body = e?.details as { error?: { code?: string; message?: string } } | undefined;
  if (body?.error?.message) return `${e.status} ${body.error.code ?? ""}: ${body.error.message}`;
  return e?.message ?? String(error);
}

/** Whether `error` is the server's 401. */
export function isUnauthorized(error: unknown): boolean {
  return (error as { status?: number })?.status === 401;
}
