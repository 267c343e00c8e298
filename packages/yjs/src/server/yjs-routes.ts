/**
 * The Yjs protocol (spec/YJS-PROTOCOL.md) over a Durable Streams engine,
 * runtime-neutral: requests for `/v1/yjs/{service}/docs/{doc path}` become
 * requests on the document's streams (`doc-paths.ts`), answered by the same
 * engine in process. The client's credentials go along, so scoped tokens
 * apply to the document's stream paths; compaction uses the server's own.
 */

import type { EngineRequest, EngineResponse } from "@durastream/server-core";
import * as encoding from "lib0/encoding";
import { appendAwarenessIndex, awarenessNames } from "./awareness-index.js";
import { compactDocument, readIndex, snapshotOffsets } from "./compactor.js";
import { DEFAULT_SNAPSHOT_GRACE_MS, DocBound } from "./doc-bound.js";
import {
  afterSnapshot,
  type DocRoute,
  docStreams,
  isAwarenessName,
  offsetPosition,
  parseDocRoute,
  parseSnapshotKey,
  snapshotKey,
} from "./doc-paths.js";
import { DocStates } from "./doc-states.js";
import {
  bufferBody,
  errorResponse,
  responseHeader,
  Streams,
  type StreamsEngine,
} from "./streams.js";

/** Default compaction threshold: updates since the last snapshot, in bytes. */
export const DEFAULT_COMPACTION_THRESHOLD = 1024 * 1024;

/** Options of `YjsRoutes`. */
export interface YjsRoutesOptions {
  /** The engine that holds the streams (`DurableStreamsEngine`). */
  readonly engine: StreamsEngine;
  /** URL path of the engine's stream root, for `Location` headers. Default `/v1/stream`. */
  readonly streamBasePath?: string;
  /**
   * The server's shared secret, when auth is on: compaction reads and writes
   * a document's streams with it (the client's token may only write updates).
   */
  readonly secret?: string | undefined;
  /** Bytes of updates since the last snapshot that trigger a compaction. Default 1 MiB. */
  readonly compactionThreshold?: number;
  /**
   * How long a snapshot replaced by a compaction stays readable (a reader
   * discovery sent to it a moment before can still load it). Default 2,000 ms.
   */
  readonly snapshotGraceMs?: number;
  /** Documents whose state is kept in memory (LRU). Default 10,000. */
  readonly maxDocuments?: number;
  /** Told when a background compaction fails (it is retried on the next update). */
  readonly onCompactionError?: (error: unknown, doc: DocRoute) => void;
}

/** Per-request options of `YjsRoutes.handle`. */
export interface YjsRequestOptions {
  /**
   * Given a background compaction this request starts, for runtimes that must
   * be told to keep running after the response (a Worker's `waitUntil`).
   */
  readonly background?: (work: Promise<void>) => void;
}

/** Request headers passed on to the streams. */
const FORWARDED = [
  "authorization",
  "origin",
  "access-control-request-method",
  "access-control-request-headers",
  "if-none-match",
  "producer-id",
  "producer-epoch",
  "producer-seq",
];

const OCTETS = "application/octet-stream";

/** Largest awareness update accepted (awareness states are small JSON objects). */
const MAX_AWARENESS_BYTES = 256 * 1024;

/** Serves the Yjs protocol; `handle` takes requests whose path is relative to `/v1/yjs`. */
export class YjsRoutes {
  readonly #streams: Streams;
  readonly #threshold: number;
  readonly #states: DocStates;
  readonly #internal: Record<string, string>;
  readonly #onCompactionError: (error: unknown, doc: DocRoute) => void;
  readonly #base: string;
  readonly #bound: DocBound;

  constructor(options: YjsRoutesOptions) {
    this.#base = (options.streamBasePath ?? "/v1/stream").replace(/\/+$/, "");
    this.#streams = new Streams(options.engine, (path) => `${this.#base}/${path}`);
    this.#threshold = options.compactionThreshold ?? DEFAULT_COMPACTION_THRESHOLD;
    this.#states = new DocStates(options.maxDocuments ?? 10_000);
    this.#internal = options.secret ? { authorization: `Bearer ${options.secret}` } : {};
    this.#onCompactionError = options.onCompactionError ?? (() => {});
    this.#bound = new DocBound(
      this.#streams,
      this.#internal,
      options.snapshotGraceMs ?? DEFAULT_SNAPSHOT_GRACE_MS,
    );
  }

  /**
   * Settles once background compactions have ended, running the snapshot
   * deletions still waiting out their grace at once (for shutdown and tests).
   */
  async idle(): Promise<void> {
    await this.#states.idle();
    await this.#bound.flush();
  }

  /**
   * Handles one request (the second argument, the request's URL, is accepted
   * for the adapters' signature). Never throws: errors become responses.
   */
  async handle(
    request: EngineRequest,
    _url?: string,
    options: YjsRequestOptions = {},
  ): Promise<EngineResponse> {
    const response = await this.#route(request, options);
    if (
      request.header("origin") === null ||
      responseHeader(response, "access-control-allow-origin")
    ) {
      return response;
    }
    // A response made here (not by the engine): the engine's CORS headers for this origin.
    const preflight = await this.#streams.call({
      method: "OPTIONS",
      path: "yjs",
      headers: { origin: request.header("origin")! },
    });
    const headers = { ...response.headers };
    for (const name of ["access-control-allow-origin", "access-control-expose-headers", "vary"]) {
      const value = responseHeader(preflight, name);
      if (value !== null) headers[name] = value;
    }
    return { ...response, headers };
  }

  async #route(request: EngineRequest, options: YjsRequestOptions): Promise<EngineResponse> {
    const doc = parseDocRoute(request.path);
    if (!doc) return errorResponse(400, "INVALID_REQUEST", "Invalid document path");
    const headers = forwardedHeaders(request);
    const ctx: Call = { request, doc, headers, background: options.background };
    try {
      const awareness = request.query.get("awareness");
      if (awareness !== null) return await this.#awareness(ctx, awareness);
      const offset = request.query.get("offset");
      if (offset === "snapshot" && request.method === "GET") return await this.#discover(ctx);
      if (offset?.endsWith("_snapshot") && request.method === "GET") {
        return await this.#snapshot(ctx, offset);
      }
      switch (request.method) {
        case "OPTIONS":
          return await this.#call(ctx, "OPTIONS", docStreams.updates(doc));
        case "GET":
          return await this.#readUpdates(ctx, "long-poll");
        case "HEAD":
          return await this.#pass(ctx, "HEAD", docStreams.updates(doc));
        case "POST":
          return await this.#writeUpdate(ctx);
        case "PUT":
          return await this.#create(ctx);
        case "DELETE":
          return await this.#delete(ctx);
        default:
          return errorResponse(405, "INVALID_REQUEST", "Method not allowed");
      }
    } catch (error) {
      this.#onCompactionError(error, doc);
      return errorResponse(500, "INTERNAL_ERROR", "Internal error");
    }
  }

  #call(
    ctx: Call,
    method: string,
    path: string,
    extra: Record<string, string> = {},
  ): Promise<EngineResponse> {
    return this.#streams.call({
      method,
      path,
      headers: { ...ctx.headers, ...extra },
      signal: ctx.request.signal,
    });
  }

  /** A request passed on to one stream with the client's offset and live mode. */
  #pass(ctx: Call, method: string, path: string, live?: string): Promise<EngineResponse> {
    const query: Record<string, string> = {};
    for (const name of ["offset", "cursor"]) {
      const value = ctx.request.query.get(name);
      if (value !== null) query[name] = value;
    }
    const mode = ctx.request.query.get("live");
    if (mode !== null) query.live = mode === "true" && live ? live : mode;
    return this.#streams.call({
      method,
      path,
      query,
      headers: ctx.headers,
      signal: ctx.request.signal,
    });
  }

  /** Whether the document exists for this client: null when it does, else the refusal. */
  async #docRefusal(ctx: Call): Promise<EngineResponse | null> {
    const head = await this.#call(ctx, "HEAD", docStreams.updates(ctx.doc));
    if (head.status === 404) return notFound();
    if (head.status === 401 || head.status === 403) {
      const code = head.status === 401 ? "UNAUTHORIZED" : "FORBIDDEN";
      const refusal = errorResponse(head.status, code, "not allowed to read this document");
      const challenge = responseHeader(head, "www-authenticate");
      if (challenge) refusal.headers["www-authenticate"] = challenge;
      return refusal;
    }
    if (head.status >= 400) return errorResponse(head.status, "INTERNAL_ERROR", "Internal error");
    return null;
  }

  async #discover(ctx: Call): Promise<EngineResponse> {
    const refusal = await this.#docRefusal(ctx);
    if (refusal) return refusal;
    const snapshot = await this.#existingSnapshot(ctx.doc);
    const query = new URLSearchParams(ctx.request.query);
    query.set("offset", snapshot === null ? "-1" : snapshotKey(snapshot));
    return {
      status: 307,
      headers: {
        location: `/v1/yjs/${ctx.request.path}?${query.toString()}`,
        "cache-control": "private, max-age=5",
      },
      body: null,
    };
  }

  async #snapshot(ctx: Call, key: string): Promise<EngineResponse> {
    const offset = parseSnapshotKey(key);
    if (offset === null) return errorResponse(400, "INVALID_REQUEST", "Invalid snapshot offset");
    const refusal = await this.#docRefusal(ctx);
    if (refusal) return refusal;
    const read = await this.#streams.readAll(docStreams.snapshot(ctx.doc, offset), "-1", {
      ...ctx.headers,
    });
    if (read === null) return errorResponse(404, "SNAPSHOT_NOT_FOUND", "Snapshot not found");
    return {
      status: 200,
      headers: {
        "content-type": OCTETS,
        "stream-next-offset": afterSnapshot(offset),
        "cache-control": "private, max-age=60",
      },
      body: [read.bytes],
    };
  }

  async #readUpdates(ctx: Call, live: string): Promise<EngineResponse> {
    const read = await this.#pass(ctx, "GET", docStreams.updates(ctx.doc), live);
    // 410 with the earliest offset: the offset was trimmed after a compaction.
    // An SSE reader gets it as is (its client reconnects with a catch-up read).
    const earliest = responseHeader(read, "stream-earliest-offset");
    if (read.status !== 410 || earliest === null || ctx.request.query.get("live") === "sse") {
      return read;
    }
    return (await this.#snapshotInstead(ctx, earliest)) ?? read;
  }

  /**
   * A read from a trimmed offset, answered with the current snapshot as one
   * lib0-framed update and the offset after it: the snapshot holds every
   * trimmed update, so the reader (official client or not) goes on as if it
   * had read them. Null when no snapshot covers the trimmed range.
   */
  async #snapshotInstead(ctx: Call, earliest: string): Promise<EngineResponse | null> {
    const snapshot = await this.#existingSnapshot(ctx.doc);
    if (snapshot === null || offsetPosition(snapshot) < offsetPosition(earliest)) return null;
    const read = await this.#streams.readAll(docStreams.snapshot(ctx.doc, snapshot), "-1", {
      ...ctx.headers,
    });
    if (read === null) return null;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint8Array(encoder, read.bytes);
    return {
      status: 200,
      headers: {
        "content-type": OCTETS,
        "stream-next-offset": afterSnapshot(snapshot),
        "cache-control": "no-store",
      },
      body: [encoding.toUint8Array(encoder)],
    };
  }

  async #create(ctx: Call): Promise<EngineResponse> {
    const created = await this.#streams.call({
      method: "PUT",
      path: docStreams.updates(ctx.doc),
      headers: { ...ctx.headers, "content-type": ctx.request.header("content-type") ?? OCTETS },
      body: ctx.request.body,
      signal: ctx.request.signal,
    });
    if (created.status === 201 || created.status === 200) {
      await this.#call(ctx, "PUT", docStreams.awareness(ctx.doc, "default"), {
        "content-type": OCTETS,
      });
    }
    if (created.status === 201) this.#states.get(key(ctx.doc)).snapshotOffset = null;
    return created;
  }

  async #writeUpdate(ctx: Call): Promise<EngineResponse> {
    const written = await this.#streams.call({
      method: "POST",
      path: docStreams.updates(ctx.doc),
      headers: { ...ctx.headers, "content-type": OCTETS },
      body: ctx.request.body,
      signal: ctx.request.signal,
    });
    if (written.status === 404) return notFound();
    const tail = responseHeader(written, "stream-next-offset");
    if (written.status >= 200 && written.status < 300 && tail) {
      this.#maybeCompact(ctx.doc, tail, ctx.background);
    }
    return written;
  }

  async #delete(ctx: Call): Promise<EngineResponse> {
    const deleted = await this.#call(ctx, "DELETE", docStreams.updates(ctx.doc));
    if (deleted.status === 404) return notFound();
    if (deleted.status >= 300) return deleted;
    this.#states.forget(key(ctx.doc));
    this.#bound.cancel(key(ctx.doc));
    // Best effort, with the client's credentials: the document's other streams.
    const [index, names] = await Promise.all([
      readIndex(this.#streams, docStreams.index(ctx.doc), ctx.headers).catch(() => []),
      awarenessNames(this.#streams, ctx.doc, ctx.headers).catch(() => []),
    ]);
    const paths = [
      ...snapshotOffsets(index).map((offset) => docStreams.snapshot(ctx.doc, offset)),
      docStreams.index(ctx.doc),
      docStreams.awareness(ctx.doc, "default"),
      ...names.map((name) => docStreams.awareness(ctx.doc, name)),
      docStreams.awarenessIndex(ctx.doc),
    ];
    await Promise.allSettled(paths.map((path) => this.#call(ctx, "DELETE", path)));
    return { status: 204, headers: {}, body: null };
  }

  async #awareness(ctx: Call, name: string): Promise<EngineResponse> {
    if (!isAwarenessName(name)) {
      return errorResponse(400, "INVALID_REQUEST", "Invalid awareness name");
    }
    const path = docStreams.awareness(ctx.doc, name);
    switch (ctx.request.method) {
      case "GET":
        return this.#pass(ctx, "GET", path, "sse");
      case "HEAD":
        return this.#pass(ctx, "HEAD", path);
      case "PUT": {
        const refusal = await this.#docRefusal(ctx);
        if (refusal) return refusal;
        const created = await this.#call(ctx, "PUT", path, { "content-type": OCTETS });
        if (created.status === 201 && name !== "default") {
          await appendAwarenessIndex(this.#streams, ctx.doc, ctx.headers, name);
        }
        if (created.status === 201 || created.status === 200 || created.status === 409) {
          return { status: created.status === 201 ? 201 : 200, headers: {}, body: null };
        }
        return created;
      }
      case "POST":
        return this.#postAwareness(ctx, path, name);
      case "DELETE": {
        const deleted = await this.#call(ctx, "DELETE", path);
        if (deleted.status === 404) {
          return errorResponse(404, "STREAM_NOT_FOUND", "Awareness stream not found");
        }
        return deleted;
      }
      case "OPTIONS":
        return this.#call(ctx, "OPTIONS", path);
      default:
        return errorResponse(405, "INVALID_REQUEST", "Method not allowed");
    }
  }

  /** POST to an awareness stream, re-creating it when it is gone (while the document exists). */
  async #postAwareness(ctx: Call, path: string, name: string): Promise<EngineResponse> {
    const body = await bufferBody(ctx.request.body, MAX_AWARENESS_BYTES);
    if (body === null) {
      return errorResponse(413, "PAYLOAD_TOO_LARGE", "awareness update too large");
    }
    const post = () =>
      this.#streams.call({
        method: "POST",
        path,
        headers: { ...ctx.headers, "content-type": ctx.request.header("content-type") ?? OCTETS },
        body: body.slice(),
        signal: ctx.request.signal,
      });
    const first = await post();
    if (first.status !== 404) return first;
    const refusal = await this.#docRefusal(ctx);
    if (refusal) return refusal;
    const created = await this.#call(ctx, "PUT", path, { "content-type": OCTETS });
    if (created.status === 201 && name !== "default") {
      await appendAwarenessIndex(this.#streams, ctx.doc, ctx.headers, name);
    }
    return post();
  }

  /** The document's current snapshot offset, loaded from its index on first use. */
  async #snapshotOffset(doc: DocRoute): Promise<string | null> {
    const state = this.#states.get(key(doc));
    if (state.snapshotOffset === undefined) {
      const entries = await readIndex(this.#streams, docStreams.index(doc), this.#internal);
      state.snapshotOffset = snapshotOffsets(entries).at(-1) ?? null;
    }
    return state.snapshotOffset;
  }

  /**
   * The current snapshot, checked to exist: when the one remembered is gone
   * (another instance's compaction replaced it, or it was deleted by hand),
   * the newest one the index names that exists, else null (read the updates
   * from the start). A reader is never sent to a missing snapshot.
   */
  async #existingSnapshot(doc: DocRoute): Promise<string | null> {
    const current = await this.#snapshotOffset(doc);
    if (current === null || (await this.#bound.exists(doc, current))) return current;
    const state = this.#states.get(key(doc));
    const found = await this.#bound.newestExisting(doc);
    // Unless a compaction moved it meanwhile.
    if (state.snapshotOffset === current) state.snapshotOffset = found;
    return found;
  }

  /** Starts a compaction in the background when the updates since the snapshot pass the threshold. */
  #maybeCompact(
    doc: DocRoute,
    tail: string,
    background: ((work: Promise<void>) => void) | undefined,
  ): void {
    const state = this.#states.get(key(doc));
    if (state.compaction !== null) return;
    const run = async () => {
      const remembered = await this.#snapshotOffset(doc);
      const since = offsetPosition(tail) - (remembered === null ? 0 : offsetPosition(remembered));
      if (since < this.#threshold) return;
      // Checked to exist: a compaction from a snapshot that is gone would fail at every update.
      const snapshot = await this.#existingSnapshot(doc);
      const result = await compactDocument(this.#streams, doc, snapshot, this.#internal);
      if (result === null) return;
      state.snapshotOffset = result.snapshotOffset;
      // Then what it made unnecessary goes (doc-bound.ts); older snapshots
      // after a grace, those a crash left named in the index included.
      const { deleted } = await this.#bound.afterCompaction(
        key(doc),
        doc,
        snapshot,
        result.snapshotOffset,
      );
      background?.(deleted);
    };
    state.compaction = run()
      .catch((error: unknown) => this.#onCompactionError(error, doc))
      .finally(() => {
        state.compaction = null;
      });
    background?.(state.compaction);
  }
}

/** One request's context. */
interface Call {
  readonly request: EngineRequest;
  readonly doc: DocRoute;
  readonly headers: Record<string, string>;
  readonly background: ((work: Promise<void>) => void) | undefined;
}

function key(doc: DocRoute): string {
  return `${doc.service}/${doc.docPath}`;
}

function forwardedHeaders(request: EngineRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = request.header(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
}

function notFound(): EngineResponse {
  return errorResponse(404, "DOCUMENT_NOT_FOUND", "Document does not exist");
}
