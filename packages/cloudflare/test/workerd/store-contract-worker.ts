/**
 * The `StreamStore` contract (packages/server-core/test/support/store-contract.ts)
 * run on workerd against the Durable Object store: each test in a fresh
 * object, its `SqlStore` over that object's real `ctx.storage.sql`, reopened
 * as a new `SqlStore` on the same storage (what a restarted or evicted object does).
 * Bundled with `vitest` aliased to `vitest-shim.ts`.
 */

import { DurableObject } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeContract } from "../../../server-core/test/support/store-contract.js";
import { SqlStore } from "../../src/object/sql-store.js";
import { registeredTests, runTest } from "./vitest-shim.js";

interface Env {
  readonly CONTRACT: DurableObjectNamespace<ContractObject>;
}

const LIMITS = { maxStreamBytes: 1 << 30 };

/** The object whose storage the current test uses (one test runs per object). */
let current: DurableObjectState | null = null;

storeContract("SqlStore (Durable Object SQLite)", async () => {
  const state = current;
  if (!state) throw new Error("no object to run the store in");
  let store = new SqlStore(state.storage, LIMITS);
  return {
    store,
    async reopen() {
      store = new SqlStore(state.storage, LIMITS);
      return store;
    },
    async dispose() {
      await state.storage.deleteAll();
    },
  };
});

describe("SqlStore on workerd", () => {
  it("rolls a failed append back: the record is as before, the error reaches the engine", async () => {
    const state = current!;
    const store = new SqlStore(state.storage, LIMITS);
    const record = store.create({
      path: "s",
      contentType: "text/plain",
      ttlSeconds: null,
      expiresAt: null,
      now: 1_000,
      initialData: new TextEncoder().encode("kept"),
      closed: false,
      fork: null,
    });
    // Storage that refuses the write (as a full or failing disk would).
    state.storage.sql.exec("DROP TABLE chunks");
    const write = {
      data: new TextEncoder().encode("lost"),
      close: true,
      producer: null,
      streamSeq: "9",
      now: 2_000,
    };
    expect(() => store.append(record, write)).toThrow();
    expect(record).toMatchObject({
      tail: 4,
      visibleTail: 4,
      closed: false,
      visibleClosed: false,
      lastStreamSeq: null,
      lastAccessAt: 1_000,
    });
    await state.storage.deleteAll();
  });
});

/** Runs one contract test on its own storage. */
export class ContractObject extends DurableObject<Env> {
  async run(name: string): Promise<{ status: "pass" | "skip" | "fail"; message?: string }> {
    current = this.ctx;
    try {
      return await runTest(name);
    } finally {
      current = null;
    }
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/list") return Response.json([...registeredTests.keys()]);
    const name = url.searchParams.get("name") ?? "";
    const result = await env.CONTRACT.getByName(crypto.randomUUID()).run(name);
    return Response.json(result);
  },
} satisfies ExportedHandler<Env>;
