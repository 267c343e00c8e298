/**
 * `@durastream/state`: the Durable Streams State Protocol — change/control events,
 * typed schemas, materialized state, the typed entity producer, live consumers and
 * the environment resolvers.
 *
 * @packageDocumentation
 */

export {
  type ChangeEvent,
  type ChangeHeaders,
  OPERATIONS,
  type Operation,
  type Row,
  SPEC_OPERATIONS,
  type Value,
} from "./change-event.js";
export { CONTROL_TYPES, type ControlEvent, type ControlType } from "./control-event.js";
export {
  createDurableStream,
  type DurableStreamProducer,
  type DurableStreamProducerOptions,
  type StreamProducerPort,
  type UpsertOperationMode,
} from "./durable-stream-producer.js";
export { type EnvSource, readEnv } from "./env-lookup.js";
export { StreamConnectError, StreamsUrlNotConfiguredError } from "./errors.js";
export {
  inspectStreamTopic,
  type StreamTopicCollectionReport,
  type StreamTopicInspectionInput,
  type StreamTopicInspectionReport,
} from "./inspect-stream-topic.js";
export type { StateLogger } from "./logger.js";
export { MaterializedState } from "./materialized-state.js";
export { isStandardSchema } from "./standard-validation.js";
export { isChangeEvent, isControlEvent, type StateEvent } from "./state-event.js";
export {
  type AppliedChange,
  type AppliedControl,
  type StateChange,
  StateMaterializer,
  type StateMaterializerOptions,
  type StateSnapshot,
} from "./state-materializer.js";
export {
  type AnyStreamSchema,
  type CollectionDefinition,
  type CollectionEventHelpers,
  type CollectionName,
  type CollectionValue,
  type CollectionWithHelpers,
  createStateSchema,
  type EntityOf,
  type EventHeaders,
  RESERVED_COLLECTION_NAMES,
  type StateSchema,
  type StreamStateDefinition,
} from "./state-schema.js";
export {
  defineStreamConsumer,
  type StreamTopicConsumer,
  type StreamTopicSubscribeOptions,
} from "./stream-consumer.js";
export {
  defineStreamProducer,
  type StreamPublication,
  type StreamTopicProducer,
  type StreamTopicProducerOptions,
} from "./stream-producer.js";
export { defineStreamSchema } from "./stream-schema.js";
export { defineStreamTopic, type StreamTopic } from "./stream-topic.js";
export { getStreamsAuth, STREAMS_SECRET_ENV_VARS } from "./streams-auth.js";
export {
  buildStreamUrl,
  getStreamsUrl,
  STREAM_ROOT_PATH,
  STREAMS_URL_ENV_VARS,
} from "./streams-url.js";
export {
  type StateChangeBatch,
  type StateChangeListener,
  type StateSubscription,
  type SubscribeStateOptions,
  subscribeState,
} from "./subscribe-state.js";
export {
  isRfc3339Timestamp,
  isStateEvent,
  type StateEventValidation,
  validateStateEvent,
} from "./validate-state-event.js";
