/** Idempotent producers over the engine (Section 5.2.1): fencing, duplicates, gaps. */

import { describe, expect, it } from "vitest";
import { header, testEngine, text } from "./support/engine.js";

function producer(epoch: number, seq: number, id = "writer") {
  return { "producer-id": id, "producer-epoch": String(epoch), "producer-seq": String(seq) };
}

describe("producer fencing", () => {
  it("accepts a sequence once, answers retries as duplicates, and stores each append once", async () => {
    const { call } = testEngine();
    expect((await call("PUT", "s")).status).toBe(201);
    expect((await call("POST", "s", { body: "a", headers: producer(0, 0) })).status).toBe(200);
    expect((await call("POST", "s", { body: "b", headers: producer(0, 1) })).status).toBe(200);
    const retry = await call("POST", "s", { body: "a", headers: producer(0, 0) });
    expect(retry.status).toBe(204);
    expect(header(retry, "producer-seq")).toBe("1");
    // A retry of the last accepted sequence (the usual case: its response was lost).
    const lastRetry = await call("POST", "s", { body: "b", headers: producer(0, 1) });
    expect(lastRetry.status).toBe(204);
    expect(header(lastRetry, "producer-seq")).toBe("1");
    expect(text(await call("GET", "s", { query: { offset: "-1" } }))).toBe("ab");
  });

  it("fences an older epoch once a newer one wrote, with the current epoch in the error", async () => {
    const { call } = testEngine();
    await call("PUT", "s");
    await call("POST", "s", { body: "old", headers: producer(1, 0) });
    expect((await call("POST", "s", { body: "new", headers: producer(2, 0) })).status).toBe(200);
    const stale = await call("POST", "s", { body: "zombie", headers: producer(1, 1) });
    expect(stale.status).toBe(403);
    expect(JSON.parse(text(stale)).error.code).toBe("STALE_EPOCH");
    expect(header(stale, "producer-epoch")).toBe("2");
    expect(text(await call("GET", "s", { query: { offset: "-1" } }))).toBe("oldnew");
  });

  it("refuses a sequence gap with the expected and received sequence", async () => {
    const { call } = testEngine();
    await call("PUT", "s");
    await call("POST", "s", { body: "a", headers: producer(0, 0) });
    const gap = await call("POST", "s", { body: "c", headers: producer(0, 2) });
    expect(gap.status).toBe(409);
    expect(JSON.parse(text(gap)).error.code).toBe("PRODUCER_SEQ_GAP");
    expect(header(gap, "producer-expected-seq")).toBe("1");
    expect(header(gap, "producer-received-seq")).toBe("2");
    expect(text(await call("GET", "s", { query: { offset: "-1" } }))).toBe("a");
  });

  it("requires a new epoch to start at sequence 0", async () => {
    const { call } = testEngine();
    await call("PUT", "s");
    await call("POST", "s", { body: "a", headers: producer(0, 0) });
    const bad = await call("POST", "s", { body: "b", headers: producer(1, 5) });
    expect(bad.status).toBe(400);
  });

  it("keeps producers apart: one producer's epoch does not fence another", async () => {
    const { call } = testEngine();
    await call("PUT", "s");
    await call("POST", "s", { body: "x", headers: producer(5, 0, "p") });
    expect((await call("POST", "s", { body: "y", headers: producer(0, 0, "q") })).status).toBe(200);
    expect(text(await call("GET", "s", { query: { offset: "-1" } }))).toBe("xy");
  });
});
