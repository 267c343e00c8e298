/**
 * Stream topics: a named binding of a stream path to its schema, shared by
 * `defineStreamProducer` and `defineStreamConsumer`.
 *
 * @module
 */
import type { HeadersRecord } from "@durastream/client";
import type { AnyStreamSchema } from "./state-schema.js";

/** A stream path bound to its schema (and optionally where and as whom to write). */
export interface StreamTopic<S extends AnyStreamSchema = AnyStreamSchema> {
  /** Stream path relative to the base URL, e.g. `/workers/executions`. */
  streamPath: string;
  /** The stream's schema, from `defineStreamSchema`. */
  schema: S;
  /** Default producer identity for `defineStreamProducer`. */
  producerId?: string;
  /** Stream root; defaults to `getStreamsUrl()`. */
  baseUrl?: string;
  /** Extra request headers, merged over `getStreamsAuth()`. */
  headers?: HeadersRecord;
}

/**
 * Declares a topic: checks it and returns it frozen, so producer and consumer
 * modules can share one definition.
 */
export function defineStreamTopic<S extends AnyStreamSchema>(
  topic: StreamTopic<S>,
): StreamTopic<S> {
  if (typeof topic.streamPath !== "string" || topic.streamPath.replace(/^\/+/, "") === "") {
    throw new TypeError("defineStreamTopic: streamPath must be a non-empty path");
  }
  if (typeof topic.schema !== "object" || topic.schema === null) {
    throw new TypeError("defineStreamTopic: schema is required (use defineStreamSchema)");
  }
  return Object.freeze({ ...topic });
}
