/**
 * Stream lifecycle events for embedders and tools: a stream was created
 * (or forked), or deleted (by DELETE or by expiry). Reported once the
 * change is durable, to the `onStreamCreated` / `onStreamDeleted` hooks and,
 * when enabled, to the registry stream.
 */

import { encodeOffset } from "@durastream/protocol";
import type { StreamRecord } from "../ports/store.js";

/** A stream came into existence. */
export interface StreamCreatedEvent {
  readonly type: "created";
  readonly path: string;
  readonly contentType: string;
  /** ISO-8601. */
  readonly createdAt: string;
  readonly ttlSeconds: number | null;
  /** ISO-8601, or null. */
  readonly expiresAt: string | null;
  /** The source and fork offset when the stream is a fork. */
  readonly forkedFrom: { readonly path: string; readonly offset: string } | null;
}

/** A stream went away: `deleted` by a DELETE, `expired` by its TTL or Expires-At. */
export interface StreamDeletedEvent {
  readonly type: "deleted";
  readonly path: string;
  readonly reason: "deleted" | "expired";
  /** ISO-8601. */
  readonly deletedAt: string;
}

/** Either lifecycle event. */
export type StreamEvent = StreamCreatedEvent | StreamDeletedEvent;

/** Lifecycle hooks; a hook's failure (thrown or rejected) is reported, never fails a request. */
export interface StreamEventHooks {
  readonly onStreamCreated?: (event: StreamCreatedEvent) => void | Promise<void>;
  readonly onStreamDeleted?: (event: StreamDeletedEvent) => void | Promise<void>;
}

/** Where the engine reports lifecycle changes. */
export class StreamEvents {
  constructor(
    private readonly hooks: StreamEventHooks,
    private readonly onError: (error: unknown) => void,
    /** Also told of every event (the registry stream), or null. */
    private readonly listener: ((event: StreamEvent) => void) | null = null,
  ) {}

  /** Whether anyone listens (events are not built otherwise). */
  get active(): boolean {
    return (
      this.listener !== null ||
      this.hooks.onStreamCreated !== undefined ||
      this.hooks.onStreamDeleted !== undefined
    );
  }

  /** Reports a durable create. */
  created(record: StreamRecord): void {
    if (!this.active) return;
    const event: StreamCreatedEvent = {
      type: "created",
      path: record.path,
      contentType: record.contentType,
      createdAt: new Date(record.createdAt).toISOString(),
      ttlSeconds: record.ttlSeconds,
      expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
      forkedFrom: record.fork
        ? { path: record.fork.sourcePath, offset: encodeOffset(record.fork.position) }
        : null,
    };
    this.#emit(event, this.hooks.onStreamCreated);
  }

  /** Reports a durable delete or expiry. */
  deleted(record: StreamRecord, reason: "deleted" | "expired", now: number): void {
    if (!this.active) return;
    const event: StreamDeletedEvent = {
      type: "deleted",
      path: record.path,
      reason,
      deletedAt: new Date(now).toISOString(),
    };
    this.#emit(event, this.hooks.onStreamDeleted);
  }

  #emit<E extends StreamEvent>(
    event: E,
    hook: ((event: E) => void | Promise<void>) | undefined,
  ): void {
    try {
      this.listener?.(event);
      const result = hook?.(event);
      if (result instanceof Promise) result.catch(this.onError);
    } catch (error) {
      this.onError(error);
    }
  }
}
