/**
 * `YjsProvider`: keeps a `Y.Doc` (and optionally an `Awareness`) in sync with
 * a document served with the Yjs protocol (durastream's `/v1/yjs` routes or
 * the official Yjs server). The options, events (`synced`, `status`,
 * `error`) and methods are those of the official provider; unlike it, edits
 * made while disconnected are kept and sent on reconnect.
 *
 * A connection: create the document (idempotent), discover its snapshot,
 * load it, then read the updates after it live; local updates go out through
 * an idempotent producer (retried without duplicates). It reconnects after
 * an outage, resuming from the last offset it read.
 */

import { DurableStream, type HeadersRecord, IdempotentProducer } from "@durastream/client";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { ObservableV2 } from "lib0/observable";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";

/** Connection status, as the official provider reports it. */
export type YjsProviderStatus = "disconnected" | "connecting" | "connected";

/** Events a provider emits. */
export interface YjsProviderEvents {
  synced: (synced: boolean) => void;
  status: (status: YjsProviderStatus) => void;
  error: (error: Error) => void;
}

/** Options of `YjsProvider` (the official provider's). */
export interface YjsProviderOptions {
  /** The document to keep in sync. */
  doc: Y.Doc;
  /** The service URL, e.g. `http://localhost:4437/v1/yjs/my-app`. */
  baseUrl: string;
  /** The document's path under the service (may contain `/`). */
  docId: string;
  /** Presence to share and receive on the document's `default` awareness stream. */
  awareness?: awarenessProtocol.Awareness;
  /** Headers of every request (e.g. `Authorization`), static or computed per request. */
  headers?: HeadersRecord;
  /** How updates are read live. Default `sse`. */
  liveMode?: "sse" | "long-poll";
  /** Connect at once. Default true. */
  connect?: boolean;
}

/** How often presence is re-sent, so peers that joined later see it (ms). */
export const AWARENESS_HEARTBEAT_INTERVAL = 15_000;
/** Wait before reconnecting after an outage (ms), doubled up to `MAX_RETRY_MS`. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;
const SERVER = Symbol("server");

/** One connection attempt: everything it started ends with its abort. */
interface Connection {
  readonly controller: AbortController;
  producer: IdempotentProducer | null;
  /** The last offset read of the updates stream. */
  offset: string;
  stopUpdates: (() => void) | null;
  stopAwareness: (() => void) | null;
  heartbeat: ReturnType<typeof setInterval> | null;
}

/** A Yjs provider over the Yjs protocol of Durable Streams. */
export class YjsProvider extends ObservableV2<YjsProviderEvents> {
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness | undefined;
  readonly #baseUrl: string;
  readonly #docId: string;
  readonly #headers: HeadersRecord;
  readonly #liveMode: "sse" | "long-poll";
  #status: YjsProviderStatus = "disconnected";
  #synced = false;
  #connection: Connection | null = null;
  /** Local updates not yet handed to a producer (made offline or while connecting), merged. */
  #pending: Uint8Array | null = null;
  #retryMs = FIRST_RETRY_MS;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #destroyed = false;
  /**
   * A connection failed with updates possibly in flight: the next one sends
   * the whole local state once (the server merges what it already has).
   */
  #resendAll = false;

  constructor(options: YjsProviderOptions) {
    super();
    this.doc = options.doc;
    this.awareness = options.awareness;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#docId = options.docId;
    this.#headers = options.headers ?? {};
    this.#liveMode = options.liveMode ?? "sse";
    this.doc.on("update", this.#onDocUpdate);
    this.awareness?.on("update", this.#onAwarenessUpdate);
    if (options.connect !== false) void this.connect();
  }

  /** Whether the document holds everything the server had when it last caught up, and its own edits are stored. */
  get synced(): boolean {
    return this.#synced;
  }

  get connected(): boolean {
    return this.#status === "connected";
  }

  get connecting(): boolean {
    return this.#status === "connecting";
  }

  #setSynced(synced: boolean): void {
    if (this.#synced === synced) return;
    this.#synced = synced;
    this.emit("synced", [synced]);
  }

  #setStatus(status: YjsProviderStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.emit("status", [status]);
  }

  #docUrl(): string {
    return `${this.#baseUrl}/docs/${this.#docId}`;
  }

  #awarenessUrl(): string {
    return `${this.#docUrl()}?awareness=default`;
  }

  async #plainHeaders(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.#headers)) {
      out[name] = typeof value === "function" ? await value() : value;
    }
    return out;
  }

  /** Connects (no-op unless disconnected); resolves once the first sync or failure. */
  async connect(): Promise<void> {
    if (this.#destroyed || this.#status !== "disconnected") return;
    const connection: Connection = {
      controller: new AbortController(),
      producer: null,
      offset: "-1",
      stopUpdates: null,
      stopAwareness: null,
      heartbeat: null,
    };
    this.#connection = connection;
    this.#setStatus("connecting");
    try {
      await this.#open(connection);
    } catch (error) {
      if (connection.controller.signal.aborted || this.#connection !== connection) return;
      this.emit("error", [error instanceof Error ? error : new Error(String(error))]);
      this.#drop(connection, true);
    }
  }

  async #open(connection: Connection): Promise<void> {
    const signal = connection.controller.signal;
    const headers = await this.#plainHeaders();
    const created = await fetch(this.#docUrl(), {
      method: "PUT",
      headers: { ...headers, "content-type": "application/octet-stream" },
      signal,
    });
    await created.arrayBuffer();
    if (![200, 201, 409].includes(created.status)) {
      throw new Error(`creating the document answered ${created.status}`);
    }
    connection.offset = await this.#loadSnapshot(headers, signal);
    const stream = new DurableStream({
      url: this.#docUrl(),
      headers: this.#headers,
      contentType: "application/octet-stream",
    });
    connection.producer = new IdempotentProducer(
      stream,
      `${this.#docId}-${this.doc.clientID}-${Math.random().toString(36).slice(2)}`,
      {
        autoClaim: true,
        signal,
        onError: (error) => {
          if (signal.aborted) return;
          this.emit("error", [error instanceof Error ? error : new Error(String(error))]);
          this.#drop(connection, true);
        },
      },
    );
    await this.#readUpdates(connection);
  }

  /**
   * Discovery, following its redirect (browsers hide a manual redirect's
   * `Location`): the snapshot when there is one, else the first page of the
   * updates. Applies what it read; returns where the live read continues.
   */
  async #loadSnapshot(headers: Record<string, string>, signal: AbortSignal): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await fetch(`${this.#docUrl()}?offset=snapshot`, { headers, signal });
      // Replaced by a newer snapshot between the redirect and the read: discover again.
      if (response.status === 404 && attempt < 2) {
        await response.arrayBuffer();
        continue;
      }
      if (response.status !== 200) {
        await response.arrayBuffer();
        throw new Error(`snapshot discovery answered ${response.status}`);
      }
      const offset = new URL(response.url).searchParams.get("offset") ?? "-1";
      const body = new Uint8Array(await response.arrayBuffer());
      if (offset.endsWith("_snapshot")) {
        if (body.length > 0) Y.applyUpdate(this.doc, body, SERVER);
      } else if (body.length > 0) {
        this.#applyFrames(body);
      }
      return response.headers.get("stream-next-offset") ?? offset;
    }
    return "-1";
  }

  /** Reads the updates live from `connection.offset`; settles once caught up the first time. */
  #readUpdates(connection: Connection): Promise<void> {
    const signal = connection.controller.signal;
    return new Promise<void>((resolveFirst, rejectFirst) => {
      let first = true;
      const run = async () => {
        while (!signal.aborted) {
          const stream = new DurableStream({
            url: this.#docUrl(),
            headers: this.#headers,
            contentType: "application/octet-stream",
          });
          const response = await stream.stream({
            offset: connection.offset,
            live: this.#liveMode,
            signal,
          });
          connection.stopUpdates = response.subscribeBytes((chunk) => {
            if (signal.aborted) return;
            connection.offset = chunk.offset;
            if (chunk.data.length > 0) this.#applyFrames(chunk.data);
            if (first && chunk.upToDate) {
              first = false;
              this.#caughtUp(connection);
              resolveFirst();
            }
          });
          await response.closed;
        }
      };
      run().catch((error: unknown) => {
        if (signal.aborted) return resolveFirst();
        if (first) return rejectFirst(error);
        this.emit("error", [error instanceof Error ? error : new Error(String(error))]);
        this.#drop(connection, true);
      });
    });
  }

  /** First catch-up of a connection: connected, offline edits out, presence on. */
  #caughtUp(connection: Connection): void {
    this.#retryMs = FIRST_RETRY_MS;
    this.#setStatus("connected");
    let pending = this.#pending;
    this.#pending = null;
    if (this.#resendAll) pending = Y.encodeStateAsUpdate(this.doc);
    this.#resendAll = false;
    if (pending !== null) this.#send(connection, pending);
    else void this.#settle(connection);
    if (this.awareness) this.#startAwareness(connection);
  }

  #applyFrames(data: Uint8Array): void {
    const decoder = decoding.createDecoder(data);
    Y.transact(
      this.doc,
      () => {
        while (decoding.hasContent(decoder)) {
          Y.applyUpdate(this.doc, decoding.readVarUint8Array(decoder), SERVER);
        }
      },
      SERVER,
    );
  }

  #onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === SERVER) return;
    const connection = this.#connection;
    if (connection?.producer && this.#status === "connected") {
      this.#send(connection, update);
      return;
    }
    // Offline or still connecting: kept (merged, so it stays the size of the changes).
    this.#pending = this.#pending === null ? update : Y.mergeUpdates([this.#pending, update]);
  };

  #send(connection: Connection, update: Uint8Array): void {
    this.#setSynced(false);
    connection.producer!.append(frame(update));
    void this.#settle(connection);
  }

  /** Synced once every update handed to the producer is stored. */
  async #settle(connection: Connection): Promise<void> {
    try {
      await connection.producer?.flush();
    } catch {
      return;
    }
    if (this.#connection === connection && this.#status === "connected") this.#setSynced(true);
  }

  // ---- Awareness ----

  #startAwareness(connection: Connection): void {
    const awareness = this.awareness!;
    const signal = connection.controller.signal;
    void this.#sendAwareness([awareness.clientID]);
    connection.heartbeat = setInterval(() => {
      if (awareness.getLocalState() !== null) void this.#sendAwareness([awareness.clientID]);
    }, AWARENESS_HEARTBEAT_INTERVAL);
    const subscribe = async () => {
      while (!signal.aborted) {
        const stream = new DurableStream({
          url: this.#awarenessUrl(),
          headers: this.#headers,
          contentType: "application/octet-stream",
        });
        const response = await stream.stream({ offset: "now", live: "sse", signal });
        connection.stopAwareness = response.subscribeBytes((chunk) => {
          if (signal.aborted || chunk.data.length === 0) return;
          const decoder = decoding.createDecoder(chunk.data);
          while (decoding.hasContent(decoder)) {
            awarenessProtocol.applyAwarenessUpdate(
              awareness,
              decoding.readVarUint8Array(decoder),
              SERVER,
            );
          }
        });
        await response.closed;
      }
    };
    subscribe().catch(() => {
      // Presence is best effort: the next connection subscribes again.
    });
  }

  #onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (!this.connected) return;
    if (origin === SERVER) {
      // A peer new to us joined after our last broadcast: tell it about us now,
      // rather than at the next heartbeat.
      if (added.length > 0 && this.awareness!.getLocalState() !== null) {
        void this.#sendAwareness([this.awareness!.clientID]);
      }
      return;
    }
    const changed = added.concat(updated, removed);
    if (changed.includes(this.awareness!.clientID))
      void this.#sendAwareness([this.awareness!.clientID]);
  };

  async #sendAwareness(clients: number[]): Promise<void> {
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness!, clients);
    try {
      const response = await fetch(this.#awarenessUrl(), {
        method: "POST",
        headers: { ...(await this.#plainHeaders()), "content-type": "application/octet-stream" },
        body: frame(update),
      });
      await response.arrayBuffer();
    } catch {
      // Presence is best effort; the heartbeat sends it again.
    }
  }

  // ---- Lifecycle ----

  /**
   * Disconnects at once (`connected` and `synced` turn false now); what was
   * already handed over is still flushed, and edits made from now on wait
   * for `connect`.
   */
  async disconnect(): Promise<void> {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const connection = this.#connection;
    if (connection === null) return;
    const wasConnected = this.connected;
    this.#connection = null;
    this.#setSynced(false);
    this.#setStatus("disconnected");
    if (connection.heartbeat !== null) clearInterval(connection.heartbeat);
    if (this.awareness && wasConnected) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [this.awareness.clientID], "local");
      void this.#sendAwareness([this.awareness.clientID]);
    }
    try {
      await connection.producer?.flush();
    } catch {
      // Not stored: the next connection sends the whole local state.
      this.#resendAll = true;
    }
    this.#teardown(connection);
  }

  /** Ends `connection` after a failure, and connects again after a growing pause. */
  #drop(connection: Connection, retry: boolean): void {
    if (this.#connection !== connection) return;
    this.#connection = null;
    this.#teardown(connection);
    this.#setSynced(false);
    this.#setStatus("disconnected");
    if (!retry || this.#destroyed) return;
    this.#resendAll = true;
    const wait = this.#retryMs;
    this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs * 2);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.connect();
    }, wait);
  }

  #teardown(connection: Connection): void {
    connection.controller.abort();
    connection.stopUpdates?.();
    connection.stopAwareness?.();
    if (connection.heartbeat !== null) clearInterval(connection.heartbeat);
    void connection.producer?.close().catch(() => {});
  }

  /** Waits until every local update handed over so far is stored. */
  async flush(): Promise<void> {
    await this.#connection?.producer?.flush();
  }

  /** Disconnects for good and stops listening to the document. */
  override destroy(): void {
    this.#destroyed = true;
    void this.disconnect();
    this.doc.off("update", this.#onDocUpdate);
    this.awareness?.off("update", this.#onAwarenessUpdate);
    super.destroy();
  }
}

/** One update, lib0-framed (length-prefixed), as the updates stream stores it. */
function frame(update: Uint8Array): Uint8Array<ArrayBuffer> {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint8Array(encoder, update);
  return new Uint8Array(encoding.toUint8Array(encoder));
}
