/**
 * The `StreamStore` contract, as one suite every store runs: the memory
 * store, the SQLite store and the Durable Object store. It states what the
 * engine relies on: reserved state at once, visibility only once durable,
 * append boundaries that survive batching, producer state, fork counts,
 * soft-delete and removal, the expiry index and, for stores that persist,
 * everything surviving a reopen.
 */

import { describe, expect, it } from "vitest";
import {
  type AppendWrite,
  loadPart,
  type NewStream,
  type StoredChunk,
  type StreamRecord,
  type StreamStore,
} from "../../src/index.js";

/** A store under test. */
export interface StoreHandle {
  readonly store: StreamStore;
  /** Closes the store and opens it again on the same storage (persistent stores only). */
  reopen?(): Promise<StreamStore>;
  /** Releases what the store used (temp dirs, processes); the store may already be closed. */
  dispose(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

function newStream(path: string, overrides: Partial<NewStream> = {}): NewStream {
  return {
    path,
    contentType: "text/plain",
    ttlSeconds: null,
    expiresAt: null,
    now: 1_000,
    initialData: null,
    closed: false,
    fork: null,
    ...overrides,
  };
}

function write(data: string | null, overrides: Partial<AppendWrite> = {}): AppendWrite {
  return {
    data: data === null ? null : bytes(data),
    close: false,
    producer: null,
    streamSeq: null,
    now: 2_000,
    ...overrides,
  };
}

/** The text of `[from, to)` as the store returns it (chunks may extend past the range). */
function textOf(chunks: StoredChunk[], from: number, to: number): string {
  let out = "";
  for (const chunk of chunks) {
    const loaded = loadPart(chunk.bytes);
    const start = Math.max(from, chunk.start) - chunk.start;
    const end = Math.min(to, chunk.start + loaded.length) - chunk.start;
    if (end > start) out += decoder.decode(loaded.subarray(start, end));
  }
  return out;
}

function readAll(store: StreamStore, record: StreamRecord, from = 0): string {
  return textOf(
    store.readChunks(record, from, record.visibleTail, 1 << 30),
    from,
    record.visibleTail,
  );
}

async function created(store: StreamStore, init: NewStream): Promise<StreamRecord> {
  const record = store.create(init);
  await record.durable;
  return record;
}

/**
 * Runs the contract against the store `makeStore` opens (a fresh, empty one
 * per test).
 */
export function storeContract(name: string, makeStore: () => Promise<StoreHandle>): void {
  describe(`StreamStore contract: ${name}`, () => {
    async function withStore(body: (handle: StoreHandle) => Promise<void>): Promise<void> {
      const handle = await makeStore();
      try {
        await body(handle);
      } finally {
        await handle.dispose();
      }
    }

    it("creates a stream that get and getById find, with its configuration", () =>
      withStore(async ({ store }) => {
        const record = await created(
          store,
          newStream("a/b", { contentType: "application/json", ttlSeconds: 60, now: 5_000 }),
        );
        expect(store.get("a/b")).toBe(record);
        expect(store.getById(record.id)).toBe(record);
        expect(store.get("a/c")).toBeUndefined();
        expect(record).toMatchObject({
          path: "a/b",
          contentType: "application/json",
          ttlSeconds: 60,
          expiresAt: null,
          createdAt: 5_000,
          lastAccessAt: 5_000,
          tail: 0,
          visibleTail: 0,
          closed: false,
          visibleClosed: false,
          fork: null,
          forkCount: 0,
          softDeleted: false,
        });
        const other = await created(store, newStream("a/c"));
        expect(other.id).not.toBe(record.id);
      }));

    it("stores initial data and a closed flag at creation", () =>
      withStore(async ({ store }) => {
        const record = await created(
          store,
          newStream("s", { initialData: bytes("hello"), closed: true }),
        );
        expect(record.tail).toBe(5);
        expect(record.visibleTail).toBe(5);
        expect(record.visibleClosed).toBe(true);
        expect(readAll(store, record)).toBe("hello");
      }));

    it("moves the reserved tail at once and the visible tail once the append is durable", () =>
      withStore(async ({ store }) => {
        const record = await created(store, newStream("s"));
        const done = store.append(record, write("abc"));
        expect(record.tail).toBe(3);
        expect(record.lastAccessAt).toBe(2_000);
        expect(record.visibleTail).toBeLessThanOrEqual(3);
        await done;
        expect(record.visibleTail).toBe(3);
        await store.append(record, write("defg"));
        expect(record.visibleTail).toBe(7);
        expect(readAll(store, record)).toBe("abcdefg");
        expect(readAll(store, record, 2)).toBe("cdefg");
      }));

    it("keeps every append's boundary even when appends share a commit", () =>
      withStore(async ({ store }) => {
        const record = await created(store, newStream("s"));
        // Issued without waiting: a store may batch them into one stored chunk.
        await Promise.all([
          store.append(record, write("one")),
          store.append(record, write("two!")),
          store.append(record, write("three")),
        ]);
        expect(readAll(store, record)).toBe("onetwo!three");
        expect(store.appendEnd(record, 0)).toBe(3);
        expect(store.appendEnd(record, 2)).toBe(3);
        expect(store.appendEnd(record, 3)).toBe(7);
        expect(store.appendEnd(record, 7)).toBe(12);
        expect(store.appendEnd(record, 11)).toBe(12);
        expect(store.appendEnd(record, 12)).toBeUndefined();
        expect(store.appendStart(record, 0)).toBe(0);
        expect(store.appendStart(record, 2)).toBe(0);
        expect(store.appendStart(record, 3)).toBe(3);
        expect(store.appendStart(record, 6)).toBe(3);
        expect(store.appendStart(record, 8)).toBe(7);
        expect(store.appendStart(record, 11)).toBe(7);
        expect(store.appendStart(record, 12)).toBeUndefined();
      }));

    it("knows where an append starts when it is stored in several pieces", () =>
      withStore(async ({ store }) => {
        const record = await created(store, newStream("big"));
        const big = 2_500_000;
        await store.append(record, write("head"));
        await store.append(record, write("x".repeat(big)));
        await store.append(record, write("tail"));
        expect(store.appendStart(record, 4 + 2_100_000)).toBe(4);
        expect(store.appendStart(record, 4 + big - 1)).toBe(4);
        expect(store.appendStart(record, 4 + big + 1)).toBe(4 + big);
        expect(store.appendEnd(record, 5)).toBe(4 + big);
      }));

    it("returns chunks in order, overlapping the range, bounded by maxBytes but at least one", () =>
      withStore(async ({ store }) => {
        const record = await created(store, newStream("s"));
        for (const part of ["aaaa", "bbbb", "cccc", "dddd"])
          await store.append(record, write(part));
        const all = store.readChunks(record, 0, 16, 1 << 20);
        let previousEnd = 0;
        for (const chunk of all) {
          expect(chunk.start).toBe(previousEnd);
          previousEnd = chunk.start + chunk.bytes.length;
        }
        expect(previousEnd).toBe(16);
        expect(textOf(store.readChunks(record, 5, 11, 1 << 20), 5, 11)).toBe("bbbccc");
        const one = store.readChunks(record, 6, 16, 1);
        expect(one.length).toBeGreaterThanOrEqual(1);
        expect(one[0]!.start).toBeLessThanOrEqual(6);
        expect(one[0]!.start + one[0]!.bytes.length).toBeGreaterThan(6);
        expect(store.readChunks(record, 16, 20, 1 << 20)).toEqual([]);
      }));

    it("closes with the closing producer recorded, visible once durable", () =>
      withStore(async ({ store }) => {
        const record = await created(store, newStream("s"));
        const producer = { producerId: "p", epoch: 2, seq: 0, state: { epoch: 2, lastSeq: 0 } };
        await store.append(record, write("last", { close: true, producer, streamSeq: "0007" }));
        expect(record.closed).toBe(true);
        expect(record.visibleClosed).toBe(true);
        expect(record.closedBy).toEqual({ producerId: "p", epoch: 2, seq: 0 });
        expect(record.lastStreamSeq).toBe("0007");
        expect(store.getProducer(record, "p")).toEqual({ epoch: 2, lastSeq: 0 });
      }));

    it("keeps producer state per stream and per producer", () =>
      withStore(async ({ store }) => {
        const a = await created(store, newStream("a"));
        const b = await created(store, newStream("b"));
        const state = (epoch: number, lastSeq: number) => ({ epoch, lastSeq });
        await store.append(
          a,
          write("x", { producer: { producerId: "p", epoch: 1, seq: 0, state: state(1, 0) } }),
        );
        await store.append(
          a,
          write("y", { producer: { producerId: "p", epoch: 1, seq: 1, state: state(1, 1) } }),
        );
        await store.append(
          a,
          write("z", { producer: { producerId: "q", epoch: 4, seq: 0, state: state(4, 0) } }),
        );
        expect(store.getProducer(a, "p")).toEqual(state(1, 1));
        expect(store.getProducer(a, "q")).toEqual(state(4, 0));
        expect(store.getProducer(b, "p")).toBeUndefined();
      }));

    it("stores a fork's own data from its fork point without touching the source", () =>
      withStore(async ({ store }) => {
        const source = await created(store, newStream("src", { initialData: bytes("0123456789") }));
        const origin = {
          sourceId: source.id,
          sourcePath: "src",
          position: 4,
          requestedOffset: "",
          requestedSubOffset: 0,
        };
        const fork = await created(
          store,
          newStream("fork", { fork: origin, initialData: bytes("ab") }),
        );
        expect(fork.fork).toEqual(origin);
        expect(fork.tail).toBe(6);
        expect(fork.visibleTail).toBe(6);
        expect(source.forkCount).toBe(0);
        await store.append(fork, write("cd"));
        expect(textOf(store.readChunks(fork, 4, 8, 1 << 20), 4, 8)).toBe("abcd");
        expect(store.readChunks(fork, 0, 4, 1 << 20)).toEqual([]);
        expect(store.appendEnd(fork, 4)).toBe(6);
        expect(store.appendStart(fork, 5)).toBe(4);
        expect(store.appendStart(fork, 7)).toBe(6);
        expect(store.getById(fork.id)?.fork).toEqual(origin);
      }));

    it("counts fork references", () =>
      withStore(async ({ store }) => {
        const source = await created(store, newStream("src"));
        await store.changeForkCount(source, 1);
        await store.changeForkCount(source, 1);
        expect(source.forkCount).toBe(2);
        const pending = store.changeForkCount(source, -1);
        expect(source.forkCount).toBe(1);
        await pending;
        expect(store.get("src")?.forkCount).toBe(1);
      }));

    it("soft-deletes a stream but keeps it and its data", () =>
      withStore(async ({ store }) => {
        const record = await created(store, newStream("s", { initialData: bytes("kept") }));
        await store.softDelete(record);
        expect(record.softDeleted).toBe(true);
        expect(store.get("s")?.softDeleted).toBe(true);
        expect(readAll(store, record)).toBe("kept");
      }));

    it("removes a stream and its data, freeing its path", () =>
      withStore(async ({ store }) => {
        const record = await created(store, newStream("s", { initialData: bytes("gone") }));
        await store.append(
          record,
          write("!", {
            producer: { producerId: "p", epoch: 0, seq: 0, state: { epoch: 0, lastSeq: 0 } },
          }),
        );
        await store.remove(record);
        expect(store.get("s")).toBeUndefined();
        expect(store.getById(record.id)).toBeUndefined();
        const again = await created(store, newStream("s"));
        expect(again.id).not.toBe(record.id);
        expect(again.tail).toBe(0);
        expect(readAll(store, again)).toBe("");
        expect(store.getProducer(again, "p")).toBeUndefined();
      }));

    it("forgets a removed stream at once, before the removal is durable, and for good", () =>
      withStore(async ({ store }) => {
        const record = await created(store, newStream("s", { initialData: bytes("gone") }));
        const removing = store.remove(record);
        // Until the removal commits, its rows may still be stored: they must not come back.
        expect(store.get("s")).toBeUndefined();
        expect(store.getById(record.id)).toBeUndefined();
        await removing;
        expect(store.get("s")).toBeUndefined();
        expect(store.getById(record.id)).toBeUndefined();
      }));

    it("records access for the TTL window", () =>
      withStore(async ({ store }) => {
        const record = await created(store, newStream("s", { ttlSeconds: 10 }));
        store.touch(record, 9_000);
        expect(record.lastAccessAt).toBe(9_000);
        expect(store.expiredBefore(18_999, 10)).toEqual([]);
        expect(store.expiredBefore(19_000, 10).map((r) => r.path)).toEqual(["s"]);
      }));

    it("lists expired streams oldest first, up to a limit, leaving out soft-deleted ones", () =>
      withStore(async ({ store }) => {
        await created(store, newStream("ttl", { ttlSeconds: 5, now: 1_000 })); // expires 6000
        await created(store, newStream("abs", { expiresAt: 3_000 }));
        await created(store, newStream("never"));
        const deleted = await created(store, newStream("deleted", { expiresAt: 2_000 }));
        await store.softDelete(deleted);
        expect(store.expiredBefore(2_999, 10)).toEqual([]);
        expect(store.expiredBefore(3_000, 10).map((r) => r.path)).toEqual(["abs"]);
        expect(store.expiredBefore(10_000, 10).map((r) => r.path)).toEqual(["abs", "ttl"]);
        expect(store.expiredBefore(10_000, 1).map((r) => r.path)).toEqual(["abs"]);
      }));

    it("expires producer states idle before a time, oldest first, at most `limit` at a time", (context) =>
      withStore(async ({ store, reopen }) => {
        if (!store.expireProducers) return context.skip();
        const record = await created(store, newStream("s"));
        // Last appends at 5 s (a), 3 s (b) and 9 s (c).
        for (const [producerId, at] of [
          ["a", 5_000],
          ["b", 3_000],
          ["c", 9_000],
        ] as const) {
          const state = { epoch: 0, lastSeq: 0, updatedAt: at };
          await store.append(
            record,
            write(producerId, { producer: { producerId, epoch: 0, seq: 0, state }, now: at }),
          );
        }
        expect(await store.expireProducers(6_000, 1)).toBe(1);
        expect(await store.expireProducers(6_000, 10)).toBe(1);
        expect(await store.expireProducers(6_000, 10)).toBe(0);
        // A store may keep an expired state cached (its `updatedAt` tells the
        // engine it expired); what it stores is gone.
        const after = reopen ? await reopen() : store;
        const again = after.get("s")!;
        if (reopen) {
          expect(after.getProducer(again, "a")).toBeUndefined();
          expect(after.getProducer(again, "b")).toBeUndefined();
        }
        expect(after.getProducer(again, "c")).toMatchObject({
          epoch: 0,
          lastSeq: 0,
          updatedAt: 9_000,
        });
        expect(await after.expireProducers!(10_000, 10)).toBe(1);
      }));

    it("trims whole chunks below a position, oldest first, moving the earliest offset", (context) =>
      withStore(async ({ store, reopen }) => {
        const retention = store.retention;
        if (!retention) return context.skip();
        const record = await created(
          store,
          newStream("r", { retention: { maxBytes: 4, maxAgeSeconds: null } }),
        );
        expect(record.retention).toEqual({ maxBytes: 4, maxAgeSeconds: null });
        expect(record.earliest).toBe(0);
        await store.append(record, write("aaa", { now: 1_000 }));
        await store.append(record, write("bbb", { now: 2_000 }));
        await store.append(record, write("ccc", { now: 3_000 }));
        // 5 is inside "bbb": only the chunk that ends at or before it goes.
        await retention.trim(record, 5);
        expect(record.earliest).toBe(3);
        expect(readAll(store, record, 3)).toBe("bbbccc");
        expect(store.readChunks(record, 0, 3, 1 << 20)).toEqual([]);
        expect(store.appendEnd(record, 3)).toBe(6);
        // Never past the visible tail, and never backwards.
        await retention.trim(record, 100);
        expect(record.earliest).toBe(9);
        await retention.trim(record, 2);
        expect(record.earliest).toBe(9);
        await store.append(record, write("dd", { now: 4_000 }));
        expect(readAll(store, record, 9)).toBe("dd");
        if (reopen) {
          const reopened = await reopen();
          const again = reopened.get("r")!;
          expect(again.earliest).toBe(9);
          expect(again.retention).toEqual({ maxBytes: 4, maxAgeSeconds: null });
          expect(readAll(reopened, again, 9)).toBe("dd");
        }
      }));

    it("finds the end of the data written before a time", (context) =>
      withStore(async ({ store }) => {
        const retention = store.retention;
        if (!retention) return context.skip();
        const record = await created(store, newStream("aged", { initialData: bytes("x") }));
        await store.append(record, write("yy", { now: 5_000 }));
        await store.append(record, write("zzz", { now: 9_000 }));
        expect(retention.agedEnd(record, 500)).toBe(0);
        expect(retention.agedEnd(record, 1_001)).toBe(1);
        expect(retention.agedEnd(record, 9_000)).toBe(3);
        expect(retention.agedEnd(record, 9_001)).toBe(6);
        await retention.trim(record, 3);
        expect(retention.agedEnd(record, 5_001)).toBe(3);
      }));

    it("reports the lowest position a stream's forks still read from it", (context) =>
      withStore(async ({ store }) => {
        const retention = store.retention;
        if (!retention) return context.skip();
        const source = await created(store, newStream("src", { initialData: bytes("0123456789") }));
        expect(retention.forkFloor(source)).toBeNull();
        const origin = (position: number) => ({
          sourceId: source.id,
          sourcePath: "src",
          position,
          requestedOffset: "",
          requestedSubOffset: 0,
        });
        // f4 was trimmed past its fork point: it reads nothing from the source any more.
        await created(store, newStream("f4", { fork: origin(4), earliest: 4 }));
        expect(retention.forkFloor(source)).toBeNull();
        await created(store, newStream("f7", { fork: origin(7), earliest: 5 }));
        await created(store, newStream("f3", { fork: origin(3), earliest: 2 }));
        expect(retention.forkFloor(source)).toBe(2);
        expect(store.get("f3")?.earliest).toBe(2);
      }));

    it("keeps everything acknowledged across a reopen (persistent stores)", async (context) => {
      const handle = await makeStore();
      try {
        if (!handle.reopen) {
          context.skip();
          return;
        }
        const store = handle.store;
        const source = await created(
          store,
          newStream("src", { initialData: bytes("base"), ttlSeconds: 30 }),
        );
        await store.changeForkCount(source, 1);
        const origin = {
          sourceId: source.id,
          sourcePath: "src",
          position: 2,
          requestedOffset: "x",
          requestedSubOffset: 1,
        };
        const fork = await created(
          store,
          newStream("fork", { fork: origin, initialData: bytes("F") }),
        );
        const producer = { producerId: "p", epoch: 3, seq: 0, state: { epoch: 3, lastSeq: 0 } };
        await Promise.all([store.append(fork, write("1")), store.append(fork, write("22"))]);
        await store.append(fork, write("333", { producer, close: true, streamSeq: "9" }));
        const doomed = await created(store, newStream("doomed", { initialData: bytes("x") }));
        await store.remove(doomed);
        const soft = await created(store, newStream("soft"));
        await store.softDelete(soft);

        const reopened = await handle.reopen();
        const src = reopened.get("src")!;
        expect(src).toMatchObject({ path: "src", ttlSeconds: 30, tail: 4, forkCount: 1 });
        expect(readAll(reopened, src)).toBe("base");
        const again = reopened.get("fork")!;
        expect(again.fork).toEqual(origin);
        expect(again).toMatchObject({
          tail: 9,
          visibleTail: 9,
          closed: true,
          visibleClosed: true,
          lastStreamSeq: "9",
        });
        expect(again.closedBy).toEqual({ producerId: "p", epoch: 3, seq: 0 });
        expect(readAll(reopened, again, 2)).toBe("F122333");
        expect(reopened.appendEnd(again, 3)).toBe(4);
        expect(reopened.appendEnd(again, 4)).toBe(6);
        // A store may add when the state was written (`updatedAt`, for expiry).
        expect(reopened.getProducer(again, "p")).toMatchObject({ epoch: 3, lastSeq: 0 });
        expect(reopened.get("doomed")).toBeUndefined();
        expect(reopened.get("soft")?.softDeleted).toBe(true);
        const next = await created(reopened, newStream("next"));
        expect([src.id, again.id, soft.id]).not.toContain(next.id);
      } finally {
        await handle.dispose();
      }
    });
  });
}
