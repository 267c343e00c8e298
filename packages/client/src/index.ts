/**
 * @durastream/client — Durable Streams client for browsers, Node and Workers.
 * A drop-in for `@durable-streams/client` 0.2.x: same exports, names,
 * options, return shapes and error classes.
 *
 * @packageDocumentation
 */

export {
  asAsyncIterableReadableStream,
  type ReadableStreamAsyncIterable,
} from "./async-iterable.js";
export {
  BackoffDefaults,
  type BackoffOptions,
  createFetchWithBackoff,
  createFetchWithConsumedBody,
} from "./backoff.js";
export {
  CURSOR_QUERY_PARAM,
  DURABLE_STREAM_PROTOCOL_QUERY_PARAMS,
  LIVE_QUERY_PARAM,
  OFFSET_QUERY_PARAM,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_EXPECTED_SEQ_HEADER,
  PRODUCER_ID_HEADER,
  PRODUCER_RECEIVED_SEQ_HEADER,
  PRODUCER_SEQ_HEADER,
  SSE_CLOSED_FIELD,
  SSE_COMPATIBLE_CONTENT_TYPES,
  SSE_CURSOR_FIELD,
  SSE_OFFSET_FIELD,
  STREAM_CLOSED_HEADER,
  STREAM_CURSOR_HEADER,
  STREAM_EXPIRES_AT_HEADER,
  STREAM_OFFSET_HEADER,
  STREAM_SEQ_HEADER,
  STREAM_SSE_DATA_ENCODING_HEADER,
  STREAM_TTL_HEADER,
  STREAM_UP_TO_DATE_HEADER,
} from "./constants.js";
export { DurableStream, type DurableStreamOptions } from "./durable-stream.js";
export {
  DurableStreamError,
  FetchBackoffAbortError,
  FetchError,
  InvalidSignalError,
  MissingStreamUrlError,
  RequestTimeoutError,
  SequenceGapError,
  StaleEpochError,
  StreamClosedError,
} from "./errors.js";
export { type ForkStreamOptions, type ForkStreamResult, forkStream } from "./fork-stream.js";
export { _resetHttpWarningForTesting, warnIfUsingHttpInBrowser } from "./http-warning.js";
export { IdempotentProducer } from "./idempotent-producer.js";
export {
  type ListedStream,
  type ListStreamsOptions,
  listStreams,
  type StreamListingPage,
} from "./list-streams.js";
export {
  type PipeContext,
  type PipeToStreamOptions,
  type PipeToStreamResult,
  pipeToStream,
} from "./pipe-to-stream.js";
export { resolveHeaders } from "./resolve.js";
export { stream } from "./stream-api.js";
export { type OpenedStreamTarget, openStreamTarget, type StreamTarget } from "./stream-target.js";
export type {
  AppendOptions,
  ByteChunk,
  CloseOptions,
  CloseResult,
  CreateOptions,
  DurableStreamErrorCode,
  HeadersRecord,
  HeadResult,
  IdempotentAppendResult,
  IdempotentProducerOptions,
  JsonBatch,
  JsonBatchMeta,
  LegacyLiveMode,
  LiveMode,
  MaybePromise,
  Offset,
  ParamsRecord,
  ReadOptions,
  RetryOpts,
  SSEResilienceOptions,
  StreamErrorHandler,
  StreamHandleOptions,
  StreamOptions,
  StreamResponse,
  TextChunk,
} from "./types.js";
