/**
 * Reads a proxy stream into a `ReadableStream` of its bytes: a catch-up read,
 * then long-polls, until the stream is closed. A network failure is retried
 * from the last offset received (with backoff), so a dropped connection
 * neither loses nor repeats bytes; an HTTP refusal (expired URL, deleted
 * stream) errors the body, as do 15 network failures in a row. Nothing is
 * fetched before the body is read.
 */

/** A body being read, and how the upstream response ended. */
export interface ProxyStreamRead {
  readonly body: ReadableStream<Uint8Array>;
  /** `Upstream-Outcome` once the stream is closed (`complete`, `aborted`, ...). */
  readonly outcome: Promise<string>;
}

const MAX_BACKOFF_MS = 2_000;
/** Consecutive network failures before the body errors (about 20 s of retrying). */
const MAX_FAILURES = 15;

/** Reads `streamUrl` from `offset` (`-1`: the beginning). */
export function readProxyStream(
  fetchImpl: typeof fetch,
  streamUrl: string,
  offset: string,
  signal: AbortSignal | undefined,
): ProxyStreamRead {
  let resolveOutcome!: (outcome: string) => void;
  let rejectOutcome!: (error: unknown) => void;
  const outcome = new Promise<string>((resolve, reject) => {
    resolveOutcome = resolve;
    rejectOutcome = reject;
  });
  outcome.catch(() => {});
  let next = offset;
  let failures = 0;
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (stop.signal.aborted) {
            const reason = stop.signal.reason ?? new DOMException("aborted", "AbortError");
            rejectOutcome(reason);
            controller.error(reason);
            return;
          }
          const url = new URL(streamUrl);
          url.searchParams.set("offset", next);
          if (next !== "-1") url.searchParams.set("live", "long-poll");
          let res: Response;
          let bytes: Uint8Array;
          try {
            res = await fetchImpl(url, { signal: stop.signal, cache: "no-store" });
            bytes =
              res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : new Uint8Array(0);
          } catch (error) {
            if (stop.signal.aborted) continue;
            // The network dropped: try again from the same offset.
            if (++failures >= MAX_FAILURES) {
              rejectOutcome(error);
              controller.error(error);
              return;
            }
            await sleep(Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures));
            continue;
          }
          failures = 0;
          if (res.status !== 200 && res.status !== 204) {
            const error = new Error(`proxy stream read failed: ${res.status} ${await res.text()}`);
            rejectOutcome(error);
            controller.error(error);
            return;
          }
          next = res.headers.get("stream-next-offset") ?? next;
          const closed = res.headers.get("stream-closed") === "true";
          if (bytes.length > 0) controller.enqueue(bytes);
          if (closed) {
            resolveOutcome(res.headers.get("upstream-outcome") ?? "complete");
            signal?.removeEventListener("abort", onAbort);
            controller.close();
            return;
          }
          if (bytes.length > 0) return;
        }
      },
      cancel(reason) {
        stop.abort(reason);
        signal?.removeEventListener("abort", onAbort);
        rejectOutcome(reason ?? new DOMException("cancelled", "AbortError"));
      },
    },
    { highWaterMark: 0 },
  );
  return { body, outcome };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
