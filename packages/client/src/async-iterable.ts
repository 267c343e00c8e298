/**
 * Makes a ReadableStream async-iterable where the runtime lacks native support
 * (Safari), by defining `[Symbol.asyncIterator]` on the instance only.
 */

/** A ReadableStream that `for await` can consume. */
export type ReadableStreamAsyncIterable<T> = ReadableStream<T> & AsyncIterable<T>;

/** Returns `stream`, made async-iterable if it was not already. */
export function asAsyncIterableReadableStream<T>(
  stream: ReadableStream<T>,
): ReadableStreamAsyncIterable<T> {
  const target = stream as unknown as Record<symbol | string, unknown>;
  if (typeof target[Symbol.asyncIterator] !== "function") {
    const iterate = function (this: ReadableStream<T>): AsyncIterableIterator<T> {
      const reader = this.getReader();
      let finished = false;
      const release = () => {
        finished = true;
        try {
          reader.releaseLock();
        } catch {
          // already released
        }
      };
      return {
        async next() {
          if (finished) return { done: true, value: undefined };
          try {
            const result = await reader.read();
            if (result.done) release();
            return result.done
              ? { done: true, value: undefined }
              : { done: false, value: result.value };
          } catch (err) {
            release();
            throw err;
          }
        },
        async return() {
          if (!finished) {
            const cancelled = reader.cancel();
            release();
            await cancelled;
          }
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    };
    try {
      Object.defineProperty(stream, Symbol.asyncIterator, {
        configurable: true,
        writable: true,
        value: iterate,
      });
      Object.defineProperty(stream, "values", {
        configurable: true,
        writable: true,
        value: iterate,
      });
    } catch {
      // non-extensible: leave as is
    }
  }
  return stream as ReadableStreamAsyncIterable<T>;
}
