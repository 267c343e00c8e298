/**
 * The `StreamStore` contract (packages/server-core/test/support/store-contract.ts)
 * run on workerd against the Durable Object store: each test in a fresh
 * object, its `SqlStore` over that object's real `ctx.storage.sql`, reopened
 * as a new `SqlStore` on the same storage (what a restarted or evicted object does).
 * Bundled with `vitest` aliased to `vitest-shim.ts`.
 */

import { DurableObject } from "cloudflare:workers";
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
