/**
 * Opening a producer's stream: create the JSON stream if missing, accept it if it
 * already exists as JSON, with bounded retries.
 *
 * @module
 */
import { DurableStream, type HeadersRecord } from "@durastream/client";
import { boundedSignal, isAbortError } from "./abort.js";
import { StreamConnectError } from "./errors.js";

/** The content type of State Protocol streams. */
export const STATE_CONTENT_TYPE = "application/json";

/** Options of {@link openJsonStream}. */
export interface OpenJsonStreamOptions {
  url: string;
  headers?: HeadersRecord;
  /** Cancels the attempt (the result is then an abort, not a connect failure). */
  signal?: AbortSignal;
  /** Upper bound for the whole attempt, retries included. */
  timeoutMs: number;
}

/** The outcome of {@link openJsonStream}. */
export type OpenJsonStreamResult =
  | { kind: "open"; stream: DurableStream }
  | { kind: "aborted" }
  | { kind: "failed"; error: StreamConnectError };

function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function errorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/**
 * Creates the JSON stream at `url` (an idempotent create-or-open), or opens it if
 * it already exists with content type `application/json`. Transient failures are
 * retried with backoff until `timeoutMs` elapses; client errors fail at once.
 * Never rejects: the result says whether the stream is open, the attempt was
 * aborted through `signal`, or it failed.
 */
export async function openJsonStream(
  options: OpenJsonStreamOptions,
): Promise<OpenJsonStreamResult> {
  const { url, headers } = options;
  if (options.signal?.aborted) return { kind: "aborted" };
  const bounded = boundedSignal(options.signal, options.timeoutMs);
  const fail = (message: string, cause?: unknown): OpenJsonStreamResult => ({
    kind: "failed",
    error: new StreamConnectError(message, url, cause),
  });
  try {
    try {
      const handle = new DurableStream({
        url,
        headers,
        contentType: STATE_CONTENT_TYPE,
        signal: bounded.signal,
        backoffOptions: { initialDelay: 50, maxDelay: 1000, multiplier: 2 },
        warnOnHttp: false,
      });
      await handle.create({ contentType: STATE_CONTENT_TYPE });
    } catch (error) {
      if (options.signal?.aborted) return { kind: "aborted" };
      if (bounded.timedOut || isAbortError(error)) {
        return fail(`Could not reach ${url} within ${options.timeoutMs} ms`, error);
      }
      if (errorCode(error) !== "CONFLICT_EXISTS" && errorStatus(error) !== 409) {
        const detail = error instanceof Error ? error.message : String(error);
        return fail(`Could not create stream ${url}: ${detail}`, error);
      }
      // It exists with another configuration: usable if it is a JSON stream.
      const head = await DurableStream.head({ url, headers, signal: bounded.signal });
      if (!head.exists) return fail(`Stream ${url} vanished while opening it`);
      if (mediaType(head.contentType) !== STATE_CONTENT_TYPE) {
        return fail(
          `Stream ${url} exists with content type ${JSON.stringify(head.contentType)}; State Protocol streams are application/json`,
        );
      }
      if (head.streamClosed) return fail(`Stream ${url} is closed and accepts no more writes`);
    }
    // A fresh handle, not bound to the connect signal, for the producer's lifetime.
    return {
      kind: "open",
      stream: new DurableStream({
        url,
        headers,
        contentType: STATE_CONTENT_TYPE,
        warnOnHttp: false,
      }),
    };
  } catch (error) {
    if (options.signal?.aborted) return { kind: "aborted" };
    const detail = error instanceof Error ? error.message : String(error);
    return fail(`Could not open stream ${url}: ${detail}`, error);
  } finally {
    bounded.dispose();
  }
}
