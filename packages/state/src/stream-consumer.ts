/**
 * `defineStreamConsumer`: the topic-centric consumer helper, on top of
 * `subscribeState`.
 *
 * @module
 */
import type { AnyStreamSchema } from "./state-schema.js";
import type { StreamTopic } from "./stream-topic.js";
import {
  type StateChangeListener,
  type StateSubscription,
  type SubscribeStateOptions,
  subscribeState,
} from "./subscribe-state.js";

/** Per-subscription options of a topic consumer. */
export type StreamTopicSubscribeOptions<S extends AnyStreamSchema> = Omit<
  SubscribeStateOptions<S>,
  "url" | "streamPath" | "baseUrl" | "schema" | "onChange"
>;

/** A consumer bound to a topic. */
export interface StreamTopicConsumer<S extends AnyStreamSchema> {
  /** The topic read from. */
  readonly topic: StreamTopic<S>;
  /**
   * Starts a materialized subscription (returned synchronously); `handler`, if
   * given, receives every applied batch.
   */
  subscribe(
    handler?: StateChangeListener<S>,
    options?: StreamTopicSubscribeOptions<S>,
  ): StateSubscription<S>;
}

/** Defines a consumer for a topic; each `subscribe()` opens its own materialized view. */
export function defineStreamConsumer<S extends AnyStreamSchema>(
  topic: StreamTopic<S>,
  defaults: StreamTopicSubscribeOptions<S> = {},
): StreamTopicConsumer<S> {
  return {
    topic,
    subscribe(handler, options) {
      return subscribeState<S>({
        ...defaults,
        ...options,
        headers: { ...topic.headers, ...defaults.headers, ...options?.headers },
        streamPath: topic.streamPath,
        baseUrl: topic.baseUrl,
        schema: topic.schema,
        onChange: handler,
      });
    },
  };
}
