/**
 * `defineStreamProducer`: the topic-centric producer helper, on top of
 * `createDurableStream`.
 *
 * @module
 */
import {
  createDurableStream,
  type DurableStreamProducer,
  type DurableStreamProducerOptions,
} from "./durable-stream-producer.js";
import type { AnyStreamSchema, CollectionName, EntityOf } from "./state-schema.js";
import type { StreamTopic } from "./stream-topic.js";

/** One write published to a topic. */
export type StreamPublication<S extends AnyStreamSchema> = {
  [K in CollectionName<S>]:
    | { operation: "upsert"; collection: K; value: EntityOf<S, K> }
    | { operation: "delete"; collection: K; key: string };
}[CollectionName<S>];

/** Options of {@link defineStreamProducer}, beyond the topic. */
export type StreamTopicProducerOptions = Omit<
  DurableStreamProducerOptions,
  "streamPath" | "schema" | "producerId" | "baseUrl" | "headers"
> & {
  /** Overrides the topic's `producerId`. */
  producerId?: string;
};

/** A producer bound to a topic. */
export interface StreamTopicProducer<S extends AnyStreamSchema> {
  /** The topic written to. */
  readonly topic: StreamTopic<S>;
  /** Enqueues writes and resolves once they (and everything before) are durable. */
  publish(publication: StreamPublication<S> | ReadonlyArray<StreamPublication<S>>): Promise<void>;
  /** Synchronous upsert (see `DurableStreamProducer.upsert`). */
  upsert<K extends CollectionName<S>>(collection: K, value: EntityOf<S, K>): void;
  /** Synchronous delete (see `DurableStreamProducer.delete`). */
  delete<K extends CollectionName<S>>(collection: K, key: string): void;
  /** Waits for every enqueued write. */
  flush(): Promise<void>;
  /** Flushes and releases the underlying producer (the stream stays open). */
  close(): Promise<void>;
}

/**
 * Defines a producer for a topic. Nothing connects until the first write; the
 * underlying producer is the `createDurableStream` singleton for the topic's path.
 *
 * @throws TypeError when neither the topic nor the options name a `producerId`
 */
export function defineStreamProducer<S extends AnyStreamSchema>(
  topic: StreamTopic<S>,
  options: StreamTopicProducerOptions = {},
): StreamTopicProducer<S> {
  const producerId = options.producerId ?? topic.producerId;
  if (typeof producerId !== "string" || producerId === "") {
    throw new TypeError("defineStreamProducer: the topic or the options must give a producerId");
  }
  let current: DurableStreamProducer<S> | undefined;
  const producer = (): DurableStreamProducer<S> => {
    if (!current || current.closed) {
      current = createDurableStream<S>({
        ...options,
        streamPath: topic.streamPath,
        schema: topic.schema,
        producerId,
        baseUrl: topic.baseUrl,
        headers: topic.headers,
      });
    }
    return current;
  };
  return {
    topic,
    publish(publication) {
      const list = (Array.isArray(publication) ? publication : [publication]) as ReadonlyArray<
        StreamPublication<S>
      >;
      const target = producer();
      for (const item of list) {
        if (item.operation === "upsert") target.upsert(item.collection, item.value);
        else target.delete(item.collection, item.key);
      }
      return target.flush();
    },
    upsert: (collection, value) => producer().upsert(collection, value),
    delete: (collection, key) => producer().delete(collection, key),
    flush: () => (current ? current.flush() : Promise.resolve()),
    close: () => (current ? current.close() : Promise.resolve()),
  };
}
