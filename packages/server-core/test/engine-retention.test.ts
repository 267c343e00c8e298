/** Retention in the engine: trims run with the scheduler's sweeps; a store that cannot trim refuses the settings. */

import { describe, expect, it } from "vitest";
import { type ExpiryScheduler, MemoryStore, type RetentionStore } from "../src/index.js";
import { header, testEngine, text } from "./support/engine.js";

/** A scheduler whose sweeps run when the test says. */
class ManualScheduler implements ExpiryScheduler {
  sweep: (() => Promise<number>) | null = null;
  start(sweep: () => Promise<number>): void {
    this.sweep = sweep;
  }
  wakeAt(): void {}
}

/** A store like the Durable Object one today: no retention part. */
class NoRetentionStore extends MemoryStore {
  override get retention(): RetentionStore | undefined {
    return undefined;
  }
}

describe("engine retention", () => {
  it("trims in the scheduler's sweep, and the stream takes appends after", async () => {
    const expiry = new ManualScheduler();
    const { call } = testEngine({ expiry });
    await call("PUT", "r", { headers: { "stream-retention-max-bytes": "3" } });
    for (const body of ["aa", "bb", "cc"]) {
      expect((await call("POST", "r", { body })).status).toBe(204);
    }
    expect(await expiry.sweep!()).toBe(0);
    expect((await call("POST", "r", { body: "dd" })).status).toBe(204);
    const head = await call("HEAD", "r");
    // 6 bytes at the sweep, 3 to keep: only the chunk ending at 2 could go whole ("bb" ends at 4).
    expect(header(head, "stream-earliest-offset")).toBe("0000000000000000_0000000000000002");
    expect(text(await call("GET", "r", { query: { offset: "-1" } }))).toBe("bbccdd");
    expect(
      (await call("GET", "r", { query: { offset: "0000000000000000_0000000000000000" } })).status,
    ).toBe(410);
  });

  it("refuses retention settings with 400 RETENTION_UNSUPPORTED when the store cannot trim", async () => {
    const { call } = testEngine({ store: new NoRetentionStore() });
    const res = await call("PUT", "r", { headers: { "stream-retention-max-age": "60" } });
    expect(res.status).toBe(400);
    expect(JSON.parse(text(res)).error.code).toBe("RETENTION_UNSUPPORTED");
    expect((await call("HEAD", "r")).status).toBe(404);
    // Without the headers the stream is created as usual.
    expect((await call("PUT", "r")).status).toBe(201);
  });
});
