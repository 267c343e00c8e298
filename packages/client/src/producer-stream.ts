/**
 * What an IdempotentProducer needs from the stream handle it writes to. A
 * `DurableStream` is one; the producer depends on this shape rather than on
 * the handle's class, so the handle can create producers without the two
 * files importing each other.
 */

import type { WriteRetryPolicy } from "./write-request.js";

/** The parts of a stream handle a producer uses. */
export interface ProducerStream {
  /** The stream's URL (without the handle's params). */
  readonly url: string;
  /** @internal the handle's fetch implementation. */
  readonly _fetch: typeof globalThis.fetch;
  /** @internal the handle's default signal. */
  readonly _signal: AbortSignal | undefined;
  /** @internal URL (with params) and resolved headers for one request. */
  _target(): Promise<{ url: string; headers: Record<string, string> }>;
  /** @internal the content type, fetched with HEAD when not known yet. */
  _ensureContentType(): Promise<string | undefined>;
  /** @internal the retry policy of the handle's writes. */
  _writePolicy(idempotent: boolean): WriteRetryPolicy;
}
