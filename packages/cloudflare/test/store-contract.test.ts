/**
 * The `StreamStore` contract suite of server-core, run on workerd against the
 * Durable Object store (`SqlStore` over a real object's `ctx.storage.sql`).
 * The suite is bundled into a test Worker (`workerd/store-contract-worker.ts`)
 * with vitest's own `expect`; each of its tests becomes one test here.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { COMPATIBILITY_DATE } from "../dev/local-worker.js";

const HERE = dirname(fileURLToPath(import.meta.url));

const bundled = await build({
  entryPoints: [join(HERE, "workerd", "store-contract-worker.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  conditions: ["workerd", "worker", "import"],
  mainFields: ["module", "main"],
  external: ["cloudflare:*"],
  alias: { vitest: join(HERE, "workerd", "vitest-shim.ts") },
  write: false,
  outfile: "contract.js",
  logLevel: "silent",
});

const miniflare = new Miniflare({
  modules: [{ type: "ESModule", path: "contract.js", contents: bundled.outputFiles[0]!.text }],
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
