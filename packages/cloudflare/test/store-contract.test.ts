/**
 * The `StreamStore` contract suite of server-core, run on workerd against the
 * Durable Object store (`SqlStore` over a real object's `ctx.storage.sql`).
 * The suite is bundled into a test Worker (`workerd/store-contract-worker.ts`)
 * with vitest's own `expect`; each of its tests becomes one test here.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Log, LogLevel, Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../dev/bundle.js";
import { COMPATIBILITY_DATE } from "../dev/local-worker.js";

const HERE = dirname(fileURLToPath(import.meta.url));

const script = await bundleWorker({
  entry: join(HERE, "workerd", "store-contract-worker.ts"),
  alias: { vitest: join(HERE, "workerd", "vitest-shim.ts") },
});

const miniflare = new Miniflare({
  modules: [{ type: "ESModule", path: "contract.js", contents: script }],
  compatibilityDate: COMPATIBILITY_DATE,
  durableObjects: { CONTRACT: { className: "ContractObject", useSQLite: true } },
  cf: false,
  log: new Log(LogLevel.WARN),
});
const names = (await (await miniflare.dispatchFetch("http://contract/list")).json()) as string[];

afterAll(() => miniflare.dispose());

describe("StreamStore contract on workerd", () => {
  it("registers the whole suite", () => {
    expect(names.length).toBeGreaterThanOrEqual(14);
  });

  for (const name of names) {
    it(name, async (context) => {
      const url = `http://contract/run?name=${encodeURIComponent(name)}`;
      const result = (await (await miniflare.dispatchFetch(url)).json()) as {
        status: "pass" | "skip" | "fail";
        message?: string;
      };
      if (result.status === "skip") context.skip();
      expect(result.message ?? "", name).toBe("");
      expect(result.status).toBe("pass");
    });
  }
});
