/**
 * Response compression for catch-up reads: gzip, deflate or brotli (fast
 * settings) when the client accepts one, for textual content types, above
 * a size threshold. Live reads are never compressed (an SSE frame must
 * reach the client when it is written; long-poll bodies are shared by many
 * waiters and small). The body streams through zlib as the socket takes
 * it, reading stored chunks on demand, so memory per response stays bounded.
 * A compressed response's ETag is weak (`W/"…"`): it names the content,
 * not the bytes, and `If-None-Match` with it still answers 304.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type BrotliCompress,
  constants,
  createBrotliCompress,
  createDeflate,
  createGzip,
  type Deflate,
  type Gzip,
} from "node:zlib";
import { type BodyPart, type EngineResponse, loadPart } from "@durastream/server-core";

/** An encoding the server can produce. */
export type ContentCoding = "br" | "gzip" | "deflate";

/** Compression settings. */
export interface CompressionOptions {
  /** Smallest body compressed, in bytes. Default 1024. */
  readonly thresholdBytes?: number;
  /** Encodings offered, in order of preference. Default `["br", "gzip", "deflate"]`. */
  readonly encodings?: readonly ContentCoding[];
}

const COMPRESSIBLE =
  /^(text\/|application\/(json|[\w.+-]*\+json|x-ndjson|xml|[\w.+-]*\+xml|javascript))/i;

/** Decides on and writes compressed responses. */
export class Compression {
  readonly #threshold: number;
  readonly #encodings: readonly ContentCoding[];

  constructor(options: CompressionOptions = {}) {
    this.#threshold = options.thresholdBytes ?? 1024;
    this.#encodings = options.encodings ?? ["br", "gzip", "deflate"];
  }

  /** The encoding to send `response` in, or null to send it as is. */
  choose(
    req: IncomingMessage,
    query: URLSearchParams,
    response: EngineResponse,
  ): ContentCoding | null {
    const accept = req.headers["accept-encoding"];
    if (accept === undefined || req.method !== "GET" || response.status !== 200) return null;
    const body = response.body;
    if (body === null || !Array.isArray(body) || query.has("live")) return null;
    if (!COMPRESSIBLE.test(response.headers["content-type"] ?? "")) return null;
    let length = 0;
    for (const part of body) length += part.length;
    if (length < this.#threshold) return null;
    const accepted = acceptedCodings(accept);
    return this.#encodings.find((coding) => accepted.has(coding)) ?? null;
  }

  /** Writes `response` compressed with `coding`. */
  async write(res: ServerResponse, response: EngineResponse, coding: ContentCoding): Promise<void> {
    const headers: Record<string, string> = { ...response.headers, "content-encoding": coding };
    headers.vary = headers.vary ? `${headers.vary}, Accept-Encoding` : "Accept-Encoding";
    const etag = headers.etag;
    if (etag !== undefined && !etag.startsWith("W/")) headers.etag = `W/${etag}`;
    res.writeHead(response.status, headers);
    const parts = response.body as readonly BodyPart[];
    try {
      await pipeline(Readable.from(loadParts(parts)), encoder(coding), res);
    } catch (error) {
      // The data went away mid-response (stream deleted) or the client left.
      res.destroy(error as Error);
    }
  }
}

function* loadParts(parts: readonly BodyPart[]): Generator<Uint8Array> {
  for (const part of parts) yield loadPart(part);
}

function encoder(coding: ContentCoding): Gzip | Deflate | BrotliCompress {
  if (coding === "gzip") return createGzip({ level: 6 });
  if (coding === "deflate") return createDeflate({ level: 6 });
  // Quality 4: close to gzip's speed, smaller output (the default 11 is far slower).
  return createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
}

/** Codings an `Accept-Encoding` value accepts (q > 0; `*` accepts any not refused). */
export function acceptedCodings(header: string): Set<ContentCoding> {
  const accepted = new Set<ContentCoding>();
  const refused = new Set<string>();
  let any = false;
  for (const item of header.split(",")) {
    const [name, ...params] = item.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (!(weight > 0)) {
      refused.add(name);
      continue;
    }
    if (name === "*") any = true;
    else if (name === "br" || name === "gzip" || name === "deflate") accepted.add(name);
  }
  if (any) {
    for (const coding of ["br", "gzip", "deflate"] as const) {
      if (!refused.has(coding)) accepted.add(coding);
    }
  }
  return accepted;
}
