/**
 * The first catch-up of `createStreamDB`: collections show its outcome, not
 * the history that led there (a row the catch-up inserted and deleted never
 * reaches a live query), the rows are published in TanStack DB's key order,
 * and a txid read during the catch-up is confirmed only once its row is visible.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLiveQueryCollection, createStateSchema, createStreamDB, eq } from "../src/db.js";
import { compareKeys, sortedInSlices } from "../src/stream-db/sorted-in-slices.js";
import { appendMessages, boardCollections, createJsonStream, job } from "./db-fixtures.js";
import { startDurastream, type TestServer, uniquePath } from "./servers.js";

const schema = createStateSchema(boardCollections);

/** A deterministic shuffle (the keys arrive out of order, as in a real stream). */
function shuffled<T>(items: T[], seed = 7): T[] {
  const out = items.slice();
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("the first catch-up", () => {
  let server!: TestServer;
  beforeAll(async () => {
    server = await startDurastream();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("shows only its outcome: a live query never sees rows the catch-up deleted or replaced", async () => {
    const url = `${server.base}${uniquePath("db-catch-up")}`;
    await createJsonStream(url);
    const ids = shuffled(Array.from({ length: 1500 }, (_, i) => `j${i}`));
    // Inserted open, then half of them filled and a third deleted...
    await appendMessages(
      url,
      ids.map((id) => schema.jobs.insert({ value: job(id, "open", "o1", 1) })),
    );
    await appendMessages(url, [
      ...ids
        .filter((_, i) => i % 2 === 0)
        .map((id) => schema.jobs.update({ value: job(id, "filled", "o1", 2) })),
      ...ids.filter((_, i) => i % 3 === 0).map((id) => schema.jobs.delete({ key: id })),
    ]);
    // ...then a reset and a snapshot that replaces everything with 700 other jobs.
    const after = shuffled(Array.from({ length: 700 }, (_, i) => `k${i}`));
    await appendMessages(url, [
      { headers: { control: "reset" } },
      { headers: { control: "snapshot-start" } },
      ...after.map((id, i) =>
        schema.jobs.insert({ value: job(id, i % 2 ? "open" : "filled", "o1", 3) }),
      ),
      { headers: { control: "snapshot-end" } },
    ]);

    const db = createStreamDB({ streamOptions: { url }, state: schema, live: false });
    const open = createLiveQueryCollection((q) =>
      q.from({ job: db.collections.jobs }).where(({ job }) => eq(job.status, "open")),
    );
    const seen: Array<{ type: string; key: string | number }> = [];
    const subscription = open.subscribeChanges((changes) => {
      for (const change of changes) seen.push({ type: change.type, key: change.key });
    });
    try {
      await Promise.all([db.preload(), open.preload()]);
      expect(db.collections.jobs.size).toBe(700);
      expect(open.size).toBe(350);
      // Every change the live query saw is an insert of a row that is there at the end.
      expect(seen.filter((c) => c.type !== "insert")).toEqual([]);
      expect(seen.map((c) => c.key).sort()).toEqual([...open.keys()].sort());
      // In TanStack DB's key order.
      const keys = [...db.collections.jobs.keys()];
      expect(keys).toEqual(keys.slice().sort(compareKeys));
    } finally {
      subscription.unsubscribe();
      db.close();
    }
  });

  it("confirms a txid read during the catch-up only once its row is visible", async () => {
    const url = `${server.base}${uniquePath("db-catch-up-txid")}`;
    await createJsonStream(url);
    const written = schema.jobs.insert({ value: job("j1", "open", "o1", 1) });
    await appendMessages(url, [{ ...written, headers: { ...written.headers, txid: "tx-1" } }]);
    const db = createStreamDB({ streamOptions: { url }, state: schema, live: false });
    try {
      const visibleWhenConfirmed = db.utils
        .awaitTxId("tx-1", 10_000)
        .then(() => db.collections.jobs.has("j1"));
      await db.preload();
      expect(await visibleWhenConfirmed).toBe(true);
    } finally {
      db.close();
    }
  });
});

it("sorts keys in TanStack DB's order in runs, merged as they are taken", async () => {
  const keys = shuffled([
    ...Array.from({ length: 10_000 }, (_, i) => `k${i}`),
    "é",
    "Z",
    "",
    "😀",
    "a",
  ]);
  const sorted = [...(await sortedInSlices(keys, 0))];
  expect(sorted).toEqual(keys.slice().sort());
  expect(compareKeys(2, "1")).toBeLessThan(0);
  expect(compareKeys("b", "a")).toBeGreaterThan(0);
});
