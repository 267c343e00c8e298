/**
 * Writers that keep appending while a test breaks the server, and the
 * checks that every message they had accepted was stored exactly once.
 */

import { expect } from "vitest";
import { type DurableStream, type IdempotentProducer, stream } from "../../src/index.js";

/** A loop feeding a producer `{ n }` messages, a few every millisecond or so. */
export interface ProducerLoop {
  /** Messages appended (all accepted: append() did not throw). */
  readonly appended: number;
  /** Stops appending (an append() that threw stops it too and is rethrown here). */
  stop(): Promise<void>;
}

export function feedProducer(producer: IdempotentProducer): ProducerLoop {
  let n = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      producer.append(JSON.stringify({ n }));
      n++;
      await new Promise((r) => setTimeout(r, 2)); // pacing of the load, not synchronization
    }
  })();
  return {
    get appended() {
      return n;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** A loop of plain `append({ n })` calls, one at a time. */
export interface AppendLoop {
  /** Values whose append() resolved. */
  readonly accepted: number[];
  /** Values whose append() rejected (they may or may not be stored). */
  readonly rejected: number[];
  /** The next value to be appended. */
  readonly next: number;
  stop(): Promise<void>;
}

export function appendInLoop(handle: DurableStream): AppendLoop {
  const accepted: number[] = [];
  const rejected: number[] = [];
  let n = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const value = n++;
      try {
        await handle.append({ n: value });
        accepted.push(value);
      } catch {
        rejected.push(value);
      }
    }
  })();
  return {
    accepted,
    rejected,
    get next() {
      return n;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** The `n` of every message stored in the JSON stream at `url`, in order. */
export async function storedValues(url: string): Promise<number[]> {
  const items = await (await stream<{ n: number }>({ url, live: false })).json<{ n: number }>();
  return items.map((item) => item.n);
}

/**
 * Every accepted value is stored exactly once, in order; a rejected value
 * (its fate unknown to the writer) at most once; nothing else.
 */
export function expectStoredExactlyOnce(
  stored: number[],
  accepted: number[],
  rejected: number[] = [],
): void {
  const acceptedSet = new Set(accepted);
  const rejectedSet = new Set(rejected);
  expect(stored.filter((n) => acceptedSet.has(n))).toEqual(accepted);
  expect(stored.every((n) => acceptedSet.has(n) || rejectedSet.has(n))).toBe(true);
  expect(new Set(stored).size).toBe(stored.length);
  expect([...stored].sort((a, b) => a - b)).toEqual(stored);
}
