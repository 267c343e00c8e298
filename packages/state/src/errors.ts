/**
 * Errors raised by the state layer.
 *
 * @module
 */

/** No durable-streams base URL could be resolved from options or the environment. */
export class StreamsUrlNotConfiguredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StreamsUrlNotConfiguredError";
  }
}

/** A producer could not connect to (open or create) its stream. */
export class StreamConnectError extends Error {
  /** The stream URL the producer tried, when it got that far. */
  readonly url: string | undefined;

  constructor(message: string, url: string | undefined, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "StreamConnectError";
    this.url = url;
  }
}
